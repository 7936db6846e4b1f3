import { afterEach, describe, expect, it } from 'vitest';
import { startFreeze } from '../../src/app/freezes.js';
import { EMERGENCY_ACK_JOB, ROLLOUT_JOB } from '../../src/app/job-names.js';
import { controlRollout } from '../../src/app/rollout/controls.js';
import { dispatchRolloutStep } from '../../src/app/rollout/steps.js';
import { runRolloutTick } from '../../src/app/rollout/tick.js';
import { confirmVerification } from '../../src/app/verification.js';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { people, refusal } from '../helpers/app-deps.js';
import {
  REPO,
  drive,
  prodRuns,
  requestProd,
  rollingOut,
  startRolloutHarness,
  type RolloutHarness,
} from './rollout-harness.js';
import { checkUntil, checksPass, deployVerified } from './verification-helpers.js';

let h: RolloutHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('progressive rollout (app layer)', () => {
  it('rolls a prod deploy out 25 → 50 → 100 with a passing analysis: one dispatch per step, then the marker', async () => {
    h = await startRolloutHarness();
    await deployVerified(h, 'staging');
    const deploy = await requestProd(h);
    const first = await drive(h, deploy.id, rollingOut);
    expect(first.rollout).toMatchObject({ step: 0, steps: [25, 50, 100] });
    expect(h.jobs.scheduled.some((j) => j.name === ROLLOUT_JOB && j.data.deployId === deploy.id)).toBe(true);
    // The card shows the step, the traffic share and the buttons.
    const card = renderDeployCard(first, { repo: REPO });
    expect(JSON.stringify(card)).toContain('Step 1/3 · 25 % of traffic');
    expect(card.components?.[0]?.components.map((b) => ('label' in b ? b.label : ''))).toEqual([
      'Promote',
      'Pause',
      'Abort',
    ]);

    const done = await drive(h, deploy.id, (d) => d.state === 'succeeded');
    expect(prodRuns(h).map((run) => run.inputs.traffic)).toEqual(['25', '50', '100']);
    expect(new Set(prodRuns(h).map((run) => run.inputs.version)).size).toBe(1);
    expect(h.events.markers).toContain('api/prod');
    expect(done.verification).toBe('pending');
    // Every measurement asked for this service and env.
    expect(h.metrics.asked.every((q) => q === 'errors{service="api",env="prod"}')).toBe(true);
    expect(h.metrics.asked.length).toBeGreaterThanOrEqual(4);
    const actions = (await h.deps.repos.audit.find({ deployId: deploy.id, limit: 200 })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['deploy.completeStep', 'deploy.advanceStep', 'deploy.dispatchStep']),
    );
  }, 30_000);

  it('rolls back at once to the last verified version when the analysis fails, locks prod and asks the R5s', async () => {
    h = await startRolloutHarness();
    const good = await deployVerified(h, 'staging');
    const firstProd = await requestProd(h);
    const live = await drive(h, firstProd.id, (d) => d.state === 'succeeded');
    await checkUntil(h, live.id, checksPass);
    await confirmVerification(h.deps, people.alice, live.id);

    h.github.addCommit(REPO, 'feat: slow checkout');
    await deployVerified(h, 'staging');
    const bad = await requestProd(h);
    await drive(h, bad.id, rollingOut);
    h.metrics.answer = { kind: 'samples', values: [0.05] };
    // Ticks only, no run tracking: the rollback is dispatched but cannot finish (and unlock) before we look.
    h.advance(1_000);
    expect(await runRolloutTick(h.deps, bad.id, 0)).toBe('rollback');
    const ended = (await h.deps.repos.deploys.get(bad.id))!;
    expect(ended).toMatchObject({ state: 'failed', verification: 'faulty' });
    expect(ended.outcomeReason).toContain('"errors" failed');
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'prod' })).toEqual([
      expect.objectContaining({ kind: 'faulty', deployId: bad.id }),
    ]);
    const rollback = (await h.deps.repos.deploys.history({ service: 'api', env: 'prod', limit: 10 })).find(
      (d) => d.kind === 'rollback',
    );
    expect(rollback).toMatchObject({
      rollbackOf: bad.id,
      sha: good.sha,
      emergency: true,
      requestedBy: { id: 'system' },
    });
    expect(rollback?.state).not.toBe('awaiting_approval');
    // Dispatched with all the traffic, once; the R5s are asked to acknowledge it.
    const rollbackRuns = prodRuns(h).filter((run) => run.inputs.deploy_id === rollback?.id);
    expect(rollbackRuns.map((run) => run.inputs.traffic)).toEqual(['100']);
    expect(
      h.jobs.scheduled.some((j) => j.name === EMERGENCY_ACK_JOB && j.data.deployId === rollback?.id),
    ).toBe(true);
    // The 50 % step was never dispatched.
    expect(
      prodRuns(h)
        .filter((run) => run.inputs.deploy_id === bad.id)
        .map((run) => run.inputs.traffic),
    ).toEqual(['25']);
    // The rollback's success releases the faulty lock.
    await drive(h, rollback?.id ?? '', (d) => d.state === 'succeeded');
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'prod' })).toEqual([]);
  }, 40_000);

  it('fails closed when the query has no data', async () => {
    h = await startRolloutHarness();
    await deployVerified(h, 'staging');
    h.metrics.answer = { kind: 'noData' };
    const deploy = await requestProd(h);
    const ended = await drive(h, deploy.id, (d) => d.state === 'failed');
    expect(ended.outcomeReason).toContain('no data');
  }, 30_000);

  it('Pause holds the next step, Resume and Promote move it on; R4/R5 only, each audited', async () => {
    h = await startRolloutHarness();
    await deployVerified(h, 'staging');
    const deploy = await requestProd(h);
    await drive(h, deploy.id, rollingOut);

    expect((await refusal(controlRollout(h.deps, people.dave, deploy.id, 'pause'))).code).toBe('NOT_ALLOWED');
    const paused = await controlRollout(h.deps, people.alice, deploy.id, 'pause');
    expect(paused.rollout?.paused?.by).toBe('alice');
    expect((await refusal(controlRollout(h.deps, people.bob, deploy.id, 'pause'))).code).toBe(
      'ALREADY_DECIDED',
    );
    expect((await refusal(controlRollout(h.deps, people.bob, deploy.id, 'promote'))).code).toBe(
      'ALREADY_DECIDED',
    );
    h.advance(60_000);
    expect(await runRolloutTick(h.deps, deploy.id, 0)).toBe('wait');
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('rolling_out');

    const scheduled = h.jobs.scheduled.length;
    await controlRollout(h.deps, people.bob, deploy.id, 'resume');
    expect(h.jobs.scheduled.length).toBeGreaterThan(scheduled);
    await controlRollout(h.deps, people.bob, deploy.id, 'promote');
    expect(await runRolloutTick(h.deps, deploy.id, 0)).toBe('advance');
    // A stale tick for the step before does nothing.
    expect(await runRolloutTick(h.deps, deploy.id, 0)).toBe('stale');
    expect((await refusal(controlRollout(h.deps, people.bob, deploy.id, 'resume'))).code).toBe(
      'ALREADY_DECIDED',
    );

    const actions = (await h.deps.repos.audit.find({ deployId: deploy.id, limit: 200 })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['rollout.paused', 'rollout.resumed', 'rollout.promoted']),
    );
    await drive(h, deploy.id, rollingOut);
    const aborted = await controlRollout(h.deps, people.alice, deploy.id, 'abort');
    expect(aborted).toMatchObject({ state: 'failed', outcomeReason: 'Aborted by alice.' });
  }, 30_000);

  it('a freeze that starts during the pause pauses the rollout before the next step', async () => {
    h = await startRolloutHarness();
    await deployVerified(h, 'staging');
    const deploy = await requestProd(h);
    await drive(h, deploy.id, rollingOut);
    await startFreeze(h.deps, people.bob, { durationMs: 3_600_000, reason: 'incident review', env: 'prod' });
    const held = await drive(h, deploy.id, (d) => d.rollout?.paused !== undefined);
    expect(held.state).toBe('rolling_out');
    expect(held.rollout?.paused?.reason).toContain('freeze');
    expect(prodRuns(h)).toHaveLength(1);
  }, 30_000);

  it('never dispatches a step twice: a step dispatch in doubt finds its run', async () => {
    h = await startRolloutHarness();
    await deployVerified(h, 'staging');
    const deploy = await requestProd(h);
    await drive(h, deploy.id, rollingOut);
    await controlRollout(h.deps, people.bob, deploy.id, 'promote');
    await runRolloutTick(h.deps, deploy.id, 0);
    const second = await drive(h, deploy.id, (d) => d.state === 'dispatched' || d.state === 'running');
    expect(prodRuns(h)).toHaveLength(2);
    // The same effect again, as after a crash: the record it read still says approved, with the first
    // step's run.
    const [firstRun] = prodRuns(h);
    await dispatchRolloutStep(
      h.deps,
      { ...second, state: 'approved', runId: firstRun!.id },
      { inDoubt: true, attempts: 1 },
    );
    expect(prodRuns(h)).toHaveLength(2);
  }, 30_000);
});
