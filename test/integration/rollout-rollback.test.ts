import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFreeze } from '../../src/app/freezes.js';
import { EMERGENCY_ACK_JOB } from '../../src/app/job-names.js';
import { rollBackRollout } from '../../src/app/rollout/abort.js';
import { controlRollout } from '../../src/app/rollout/controls.js';
import { runRolloutTick } from '../../src/app/rollout/tick.js';
import { confirmVerification } from '../../src/app/verification.js';
import { people } from '../helpers/app-deps.js';
import {
  REPO,
  drive,
  newerRollingOut,
  prodRuns,
  rollbackOf,
  startRolloutHarness,
  verifiedProd,
  type RolloutHarness,
} from './rollout-harness.js';
import { checkUntil, deployAndFinish, trackUntilDone } from './verification-helpers.js';

let h: RolloutHarness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
});

const HOUR = 3_600_000;
const runsOf = (r: RolloutHarness, deployId: string | undefined) =>
  prodRuns(r).filter((run) => run.inputs.deploy_id === deployId);

/**
 * §15: a failed analysis or Abort rolls back at once to the last verified version — no approval, and no
 * freeze may hold it (a bad version must not stay live until the freeze ends) — audited, R5s told.
 */
describe('automatic rollback of a failed rollout', () => {
  it('is dispatched at once while a freeze is in force, with the reason in the audit', async () => {
    h = await startRolloutHarness();
    const good = await verifiedProd(h);
    const bad = await newerRollingOut(h);
    // The freeze starts during the pause; the very next measurement is bad.
    await startFreeze(h.deps, people.bob, { durationMs: HOUR, reason: 'raid night', env: 'prod' });
    h.metrics.answer = { kind: 'samples', values: [0.2] };
    h.advance(1_000);
    expect(await runRolloutTick(h.deps, bad.id, 0)).toBe('rollback');

    const rollback = await rollbackOf(h, bad.id);
    expect(rollback).toMatchObject({ sha: good.sha, emergency: true, requestedBy: { id: 'system' } });
    expect(rollback?.state).not.toBe('queued');
    expect(runsOf(h, rollback?.id).map((run) => run.inputs.traffic)).toEqual(['100']);
    expect(
      h.jobs.scheduled.some((j) => j.name === EMERGENCY_ACK_JOB && j.data.deployId === rollback?.id),
    ).toBe(true);
    // The card says why the freeze did not hold it.
    expect(rollback?.override?.reason).toContain('automatic rollback');
    const entries = await h.deps.repos.audit.find({ deployId: rollback?.id ?? '', limit: 50 });
    expect(entries.find((e) => e.action === 'rollback.requested')).toMatchObject({
      reason: expect.stringContaining('"errors" failed') as unknown,
      details: expect.objectContaining({
        rollbackOf: bad.id,
        automatic: true,
        passesFreezes: true,
      }) as unknown,
    });
  }, 40_000);

  it('Abort during a freeze rolls back at once as well', async () => {
    h = await startRolloutHarness();
    await verifiedProd(h);
    const bad = await newerRollingOut(h);
    await startFreeze(h.deps, people.bob, { durationMs: HOUR, reason: 'raid night', env: 'prod' });
    // The lock is taken once (a store without the unique index must not end up with two).
    const acquire = vi.spyOn(h.deps.repos.locks, 'acquire');
    const aborted = await controlRollout(h.deps, people.alice, bad.id, 'abort');
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(aborted).toMatchObject({ state: 'failed', verification: 'faulty' });
    const rollback = await rollbackOf(h, bad.id);
    expect(runsOf(h, rollback?.id)).toHaveLength(1);
    const done = await drive(h, rollback?.id ?? '', (d) => d.state === 'succeeded');
    // Its success releases the faulty lock the abort left.
    expect(done.kind).toBe('rollback');
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'prod' })).toEqual([]);
  }, 40_000);

  it('a rollback left undispatched by a crash is taken on again, never created twice', async () => {
    h = await startRolloutHarness();
    await verifiedProd(h);
    const bad = await newerRollingOut(h);
    // The gates cannot be read the first time (as if the bot died there): the rollback stays requested.
    vi.spyOn(h.deps.github, 'credentialStatus').mockRejectedValueOnce(new Error('connection reset'));
    await controlRollout(h.deps, people.alice, bad.id, 'abort');
    const stuck = await rollbackOf(h, bad.id);
    expect(stuck?.state).toBe('requested');
    expect(runsOf(h, stuck?.id)).toHaveLength(0);

    const failed = await h.deps.repos.deploys.get(bad.id);
    await rollBackRollout(h.deps, failed!);
    const taken = await rollbackOf(h, bad.id);
    expect(taken?.id).toBe(stuck?.id);
    expect(runsOf(h, taken?.id)).toHaveLength(1);
    // Once more (a retried effect): the rollback is under way, nothing is dispatched again.
    await rollBackRollout(h.deps, failed!);
    expect(runsOf(h, taken?.id)).toHaveLength(1);
    const rollbacks = (await h.deps.repos.deploys.history({ service: 'api', env: 'prod', limit: 20 })).filter(
      (d) => d.kind === 'rollback',
    );
    expect(rollbacks).toHaveLength(1);
  }, 40_000);
});

describe('automatic rollback of a faulty verification (autoRollback)', () => {
  it('rolls back at once while a freeze is in force', async () => {
    h = await startRolloutHarness({
      edit: (raw) => {
        const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api;
        const staging = api?.environments.find((env) => env.name === 'staging');
        if (staging) {
          staging.verification = {
            autoRollback: true,
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
    const r = h;
    const first = await deployAndFinish(h, 'staging');
    await checkUntil(h, first.id, (s) => s.health?.ok === true);
    await confirmVerification(h.deps, people.alice, first.id);
    await checkUntil(h, first.id, () => {
      r.advance(1_000);
      return false;
    });
    expect((await h.deps.repos.deploys.get(first.id))?.verification).toBe('verified');

    h.github.addCommit(REPO, 'feat: slow');
    const bad = await deployAndFinish(h, 'staging');
    await startFreeze(h.deps, people.bob, { durationMs: HOUR, reason: 'raid night', env: 'staging' });
    h.metrics.answer = { kind: 'samples', values: [3.5] };
    expect((await checkUntil(h, bad.id, () => false)).deploy.verification).toBe('faulty');
    await h.deps.outbox.drain(bad.id);
    const recent = await h.deps.repos.deploys.history({ service: 'api', env: 'staging', limit: 10 });
    const rollback = recent.find((d) => d.kind === 'rollback' && d.rollbackOf === bad.id);
    expect(rollback).toMatchObject({ sha: first.sha, emergency: true });
    expect(rollback?.state).not.toBe('queued');
    expect((await trackUntilDone(h, rollback?.id ?? '')).state).toBe('succeeded');
  }, 30_000);
});
