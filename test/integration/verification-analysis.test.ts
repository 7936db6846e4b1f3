import { afterEach, describe, expect, it } from 'vitest';
import { confirmVerification, judgeVerification } from '../../src/app/verification.js';
import { people } from '../helpers/app-deps.js';
import { REPO, startRolloutHarness, type RolloutHarness } from './rollout-harness.js';
import { checkUntil, deployAndFinish, trackUntilDone } from './verification-helpers.js';

let h: RolloutHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** staging verifies with a metric analysis: two measurements 1 s apart, no failure allowed. */
function start(autoRollback: boolean): Promise<RolloutHarness> {
  return startRolloutHarness({
    rollout: null,
    edit: (raw) => {
      const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api;
      const staging = api?.environments.find((env) => env.name === 'staging');
      if (staging) {
        staging.verification = {
          autoRollback,
          analysis: {
            queries: [{ name: 'p95', query: 'p95{env="$env"}', threshold: 2, op: '>' }],
            interval: '1s',
            count: 2,
            failureLimit: 0,
          },
        };
      }
    },
  });
}

describe('metric analysis in post-deploy verification (§8)', () => {
  it('verifies only once the analysis has passed, even when confirmed earlier', async () => {
    h = await start(false);
    const done = await deployAndFinish(h, 'staging');
    await checkUntil(h, done.id, (s) => s.health?.ok === true);
    // One measurement so far: a confirmation waits for the second.
    const { outcome } = await confirmVerification(h.deps, people.alice, done.id);
    expect(outcome).toBe('pending');
    const r = h;
    const { deploy, state } = await checkUntil(h, done.id, () => {
      r.advance(1_000);
      return false;
    });
    expect(deploy.verification).toBe('verified');
    expect(state.measurements?.map((m) => m.phase)).toEqual(['successful', 'successful']);
  }, 20_000);

  it('makes a deploy faulty at once on a breach and locks the env; no rollback without autoRollback', async () => {
    h = await start(false);
    h.metrics.answer = { kind: 'samples', values: [3.5] };
    const done = await deployAndFinish(h, 'staging');
    const { deploy } = await checkUntil(h, done.id, () => false);
    expect(deploy.verification).toBe('faulty');
    expect(deploy.outcomeReason).toContain('"p95" failed');
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'staging' })).toHaveLength(1);
    const history = await h.deps.repos.deploys.history({ service: 'api', env: 'staging', limit: 10 });
    expect(history.filter((d) => d.kind === 'rollback')).toEqual([]);
  }, 20_000);

  it('with autoRollback rolls a breaching deploy back to the last verified version at once', async () => {
    h = await start(true);
    const first = await deployAndFinish(h, 'staging');
    await checkUntil(h, first.id, (s) => s.health?.ok === true);
    await confirmVerification(h.deps, people.alice, first.id);
    const r = h;
    await checkUntil(h, first.id, () => {
      r.advance(1_000);
      return false;
    });
    const good = await h.deps.repos.deploys.get(first.id);
    expect(good?.verification).toBe('verified');

    h.github.addCommit(REPO, 'feat: slow');
    h.metrics.answer = { kind: 'samples', values: [3.5] };
    const bad = await deployAndFinish(h, 'staging');
    expect((await checkUntil(h, bad.id, () => false)).deploy.verification).toBe('faulty');
    await h.deps.outbox.drain(bad.id);
    const rollback = (await h.deps.repos.deploys.history({ service: 'api', env: 'staging', limit: 10 })).find(
      (d) => d.kind === 'rollback',
    );
    expect(rollback).toMatchObject({ rollbackOf: bad.id, sha: good?.sha, emergency: true });
    expect((await trackUntilDone(h, rollback!.id)).state).toBe('succeeded');
  }, 30_000);

  it('fails closed at the end of the window when the analysis did not finish', () => {
    const judgement = judgeVerification({
      now: new Date(2_000),
      endsAt: new Date(1_000),
      hasHealthUrl: false,
      wrongVersionInRow: 0,
      autoVerify: true,
      analysis: { phase: 'running', reason: '' },
    });
    expect(judgement).toEqual({
      outcome: 'faulty',
      reason: 'The metric analysis did not finish within the window.',
    });
  });
});
