import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { GitHubError } from '../../src/app/ports/github.js';
import { setMaintenance } from '../../src/app/maintenance.js';
import { controlRollout } from '../../src/app/rollout/controls.js';
import { rollBackRollout } from '../../src/app/rollout/abort.js';
import { dispatchRolloutStep, scheduleRolloutTimer } from '../../src/app/rollout/steps.js';
import { runRolloutTick } from '../../src/app/rollout/tick.js';
import type { Config } from '../../src/config.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, refusal } from '../helpers/app-deps.js';
import {
  drive,
  newerRollingOut,
  prodRuns,
  requestProd,
  rollbackOf,
  rollingOut,
  startRolloutHarness,
  verifiedProd,
  type RolloutHarness,
} from './rollout-harness.js';
import { deployVerified } from './verification-helpers.js';

let h: RolloutHarness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
});

const stepRuns = (r: RolloutHarness, id: string) =>
  prodRuns(r)
    .filter((run) => run.inputs.deploy_id === id)
    .map((run) => run.inputs.traffic);

/** A prod deploy rolling out at its first step, with api staging verified first. */
async function rollingOutProd(r: RolloutHarness): Promise<Deploy> {
  await deployVerified(r, 'staging');
  return drive(r, (await requestProd(r)).id, rollingOut);
}

/** Promote, then the tick that owes the next step's dispatch (its effect runs in the same call). */
async function promoteAndTick(r: RolloutHarness, deploy: Deploy): Promise<Deploy> {
  await controlRollout(r.deps, people.bob, deploy.id, 'promote');
  expect(await runRolloutTick(r.deps, deploy.id, deploy.rollout?.step ?? 0)).toBe('advance');
  const after = await r.deps.repos.deploys.get(deploy.id);
  if (!after) throw new Error(`no deploy ${deploy.id}`);
  return after;
}

/** `times` ticks of the first step's timer, one measurement interval (1 s) apart: what each one decided. */
async function ticksOfStep0(harness: RolloutHarness, deployId: string, times: number): Promise<string[]> {
  const decisions: string[] = [];
  for (let i = 0; i < times; i += 1) {
    harness.advance(1_000);
    decisions.push(await runRolloutTick(harness.deps, deployId, 0));
  }
  return decisions;
}
describe('rollout step dispatch when GitHub misbehaves', () => {
  it('a step GitHub refuses for good fails the deploy and rolls it back at once', async () => {
    h = await startRolloutHarness();
    const good = await verifiedProd(h);
    const bad = await newerRollingOut(h);
    vi.spyOn(h.deps.github, 'dispatch').mockRejectedValueOnce(
      new GitHubError('forbidden', 'Resource not accessible by integration', 403),
    );
    const failed = await promoteAndTick(h, bad);
    expect(failed.state).toBe('failed');
    expect(failed.outcomeReason).toContain('GitHub refused the dispatch of the 50 % step');
    expect(stepRuns(h, bad.id)).toEqual(['25']);
    // Traffic had moved already (25 %): a mixed fleet is rolled back, not left.
    const rollback = await rollbackOf(h, bad.id);
    expect(rollback?.sha).toBe(good.sha);
    expect(stepRuns(h, rollback?.id ?? '')).toEqual(['100']);
  }, 40_000);

  it('a failure on the way to GitHub is retried in doubt: no run yet, so the step is sent once', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const dispatch = vi.spyOn(h.deps.github, 'dispatch').mockRejectedValueOnce(new Error('socket hang up'));
    const owed = await promoteAndTick(h, deploy);
    // The effect failed and waits for its retry: the step is owed, nothing was dispatched.
    expect(owed).toMatchObject({ state: 'approved', rollout: { step: 1 } });
    expect(stepRuns(h, deploy.id)).toEqual(['25']);
    dispatch.mockRestore();
    await dispatchRolloutStep(h.deps, owed, { inDoubt: true, attempts: 1 });
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('dispatched');
    expect(stepRuns(h, deploy.id)).toEqual(['25', '50']);
  }, 40_000);

  it('after the last attempt the step fails rather than going out late', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    vi.spyOn(h.deps.github, 'dispatch').mockRejectedValue(
      new GitHubError('unavailable', 'GitHub answered 503', 503),
    );
    const owed = await promoteAndTick(h, deploy);
    await expect(dispatchRolloutStep(h.deps, owed, { inDoubt: false, attempts: 1 })).rejects.toThrow('503');
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('approved');
    // Whatever the last attempt threw (here not even an Error) is what the card says.
    vi.spyOn(h.deps.github, 'dispatch').mockRejectedValue('GitHub answered 502');
    await dispatchRolloutStep(h.deps, owed, { inDoubt: false, attempts: 5 });
    const failed = await h.deps.repos.deploys.get(deploy.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.outcomeReason).toBe('GitHub refused the dispatch of the 50 % step: GitHub answered 502');
    expect(stepRuns(h, deploy.id)).toEqual(['25']);
  }, 40_000);

  it('an answer with a run id and no link: the run is followed, the card goes without a link', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const github = h.deps.github;
    const send = github.dispatch.bind(github);
    vi.spyOn(github, 'dispatch').mockImplementationOnce(async (...args) => {
      const { runId } = await send(...args);
      return runId === undefined ? {} : { runId };
    });
    const second = await promoteAndTick(h, deploy);
    const run50 = prodRuns(h).find(
      (run) => run.inputs.deploy_id === deploy.id && run.inputs.traffic === '50',
    );
    expect(second).toMatchObject({ state: 'dispatched', runId: run50?.id });
  }, 30_000);

  it('step effects of a deploy that moved on meanwhile do nothing', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const live = await h.deps.repos.deploys.get(deploy.id);
    // A rollout step that is live (not owed) is not dispatched again.
    await dispatchRolloutStep(h.deps, live!, { inDoubt: false, attempts: 0 });
    expect(stepRuns(h, deploy.id)).toEqual(['25']);
    const aborted = await controlRollout(h.deps, people.alice, deploy.id, 'abort');
    const timers = h.jobs.scheduled.length;
    await scheduleRolloutTimer(h.deps, aborted);
    expect(h.jobs.scheduled).toHaveLength(timers);
  }, 30_000);

  it('an answer without the run id: the run is looked up, and until it is visible the step is never sent again', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const github = h.deps.github;
    const send = github.dispatch.bind(github);
    const dispatch = vi.spyOn(github, 'dispatch');
    dispatch.mockImplementationOnce(async (...args) => {
      await send(...args);
      return {};
    });
    vi.spyOn(github, 'findRunByDeployId').mockResolvedValueOnce(undefined);
    const owed = await promoteAndTick(h, deploy);
    expect(owed.state).toBe('approved');
    expect(stepRuns(h, deploy.id)).toEqual(['25', '50']);
    // The retry is in doubt: it finds the run instead of dispatching again, and follows it.
    await dispatchRolloutStep(h.deps, owed, { inDoubt: true, attempts: 1 });
    const second = await h.deps.repos.deploys.get(deploy.id);
    const run50 = prodRuns(h).find(
      (run) => run.inputs.deploy_id === deploy.id && run.inputs.traffic === '50',
    );
    expect(second).toMatchObject({ state: 'dispatched', runId: run50?.id });

    // The last step: the answer lacks the run id again, and the run is visible at once.
    const live = await drive(h, deploy.id, (d) => rollingOut(d) && d.rollout?.step === 1);
    dispatch.mockImplementationOnce(async (...args) => {
      await send(...args);
      return {};
    });
    const third = await promoteAndTick(h, live);
    const run100 = prodRuns(h).find(
      (run) => run.inputs.deploy_id === deploy.id && run.inputs.traffic === '100',
    );
    expect(third).toMatchObject({ state: 'dispatched', runId: run100?.id });
    expect(stepRuns(h, deploy.id)).toEqual(['25', '50', '100']);
  }, 40_000);
});

describe('rollout analysis that cannot measure fails closed', () => {
  it('with no Prometheus configured, the first measurement rolls the canary back', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const { metrics: _none, ...withoutMetrics } = h.deps;
    h.advance(1_000);
    expect(await runRolloutTick(withoutMetrics as AppDeps, deploy.id, 0)).toBe('rollback');
    const ended = await h.deps.repos.deploys.get(deploy.id);
    expect(ended).toMatchObject({ state: 'failed', verification: 'faulty' });
    expect(ended?.outcomeReason).toContain('no Prometheus configured');
  }, 30_000);

  it('a metrics read that throws is inconclusive: measured again, and rolled back once it stays so past the limit', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    vi.spyOn(h.metrics, 'query').mockRejectedValue(new Error('socket hang up'));
    // consecutiveErrorLimit (4 by default): four reads in a row that fail are tolerated, the fifth is not.
    expect(await ticksOfStep0(h, deploy.id, 5)).toEqual(['wait', 'wait', 'wait', 'wait', 'rollback']);
    const ended = await h.deps.repos.deploys.get(deploy.id);
    expect(ended?.rollout?.measurements).toHaveLength(5);
    expect(ended?.rollout?.measurements?.every((m) => m.phase === 'inconclusive')).toBe(true);
    expect(ended?.outcomeReason).toContain('no reading 5 times in a row, limit 4 (Error: socket hang up)');
  }, 30_000);

  it('a read that fails once between good ones does not roll the canary back', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    vi.spyOn(h.metrics, 'query').mockRejectedValueOnce(new Error('socket hang up'));
    // One read lost, then the two good readings the analysis counts: the next step goes out.
    expect(await ticksOfStep0(h, deploy.id, 3)).toEqual(['wait', 'wait', 'advance']);
    const now = await h.deps.repos.deploys.get(deploy.id);
    expect(now?.state).not.toBe('failed');
    expect(now?.rollout?.step).toBe(1);
  }, 30_000);
});

describe('a rollout whose situation changed under it', () => {
  it('holds (pauses) a rollout whose env no longer configures one, for a person to decide', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const config = structuredClone(h.deps.config) as Config & {
      services: Record<string, { environments: { name: string; rollout?: unknown }[] }>;
    };
    for (const env of config.services.api?.environments ?? []) delete env.rollout;
    expect(await runRolloutTick({ ...h.deps, config }, deploy.id, 0)).toBe('pause');
    const held = await h.deps.repos.deploys.get(deploy.id);
    expect(held).toMatchObject({ state: 'rolling_out' });
    expect(held?.rollout?.paused?.reason).toBe('the env no longer configures a rollout');
    // A second tick finds it held already: no second pause.
    expect(await runRolloutTick({ ...h.deps, config }, deploy.id, 0)).toBe('pause');
    const pauses = (await h.deps.repos.audit.find({ deployId: deploy.id, limit: 100 })).filter(
      (e) => e.action === 'rollout.paused',
    );
    expect(pauses).toHaveLength(1);
    // Held: no later tick moves it on while it is paused.
    h.advance(60_000);
    expect(await runRolloutTick(h.deps, deploy.id, 0)).toBe('wait');
    expect(stepRuns(h, deploy.id)).toEqual(['25']);
  }, 30_000);

  it('a tick that read the rollout before an Abort measures nothing and moves nothing', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const before = await h.deps.repos.deploys.get(deploy.id);
    await controlRollout(h.deps, people.alice, deploy.id, 'abort');
    vi.spyOn(h.deps.repos.deploys, 'get').mockResolvedValueOnce(before);
    h.advance(1_000);
    expect(await runRolloutTick(h.deps, deploy.id, 0)).toBe('stale');
    const ended = await h.deps.repos.deploys.get(deploy.id);
    expect(ended).toMatchObject({ state: 'failed', outcomeReason: 'Aborted by alice.' });
    expect(ended?.rollout?.measurements ?? []).toEqual([]);
  }, 30_000);

  it('a click on a rollout that moved on meanwhile is answered, not applied', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    const before = await h.deps.repos.deploys.get(deploy.id);
    const notPaused = await refusal(controlRollout(h.deps, people.bob, deploy.id, 'resume'));
    expect(notPaused.message).toBe('The rollout is not paused.');
    await controlRollout(h.deps, people.alice, deploy.id, 'abort');
    vi.spyOn(h.deps.repos.deploys, 'get').mockResolvedValueOnce(before);
    const lost = await refusal(controlRollout(h.deps, people.bob, deploy.id, 'pause'));
    expect(lost.code).toBe('ALREADY_DECIDED');
    expect(lost.message).toContain('changed meanwhile');
    expect((await h.deps.repos.deploys.get(deploy.id))?.rollout?.paused).toBeUndefined();
    // Abort of a deploy no longer rolling out is refused with the state it is in.
    const again = await refusal(controlRollout(h.deps, people.bob, deploy.id, 'abort'));
    expect(again.message).toContain('not waiting between rollout steps');
  }, 30_000);
});

describe('what holds a rollout back', () => {
  it('maintenance turned on during a pause holds the next step until it is resumed', async () => {
    h = await startRolloutHarness();
    const deploy = await rollingOutProd(h);
    await setMaintenance(h.deps, people.bob, true, 'database upgrade');
    const held = await drive(h, deploy.id, (d) => d.rollout?.paused !== undefined);
    expect(held.state).toBe('rolling_out');
    expect(held.rollout?.paused?.reason).toBe('maintenance is on (database upgrade)');
    expect(stepRuns(h, deploy.id)).toEqual(['25']);
  }, 30_000);
});

describe('automatic rollback of records without a version or a reason', () => {
  it('names them by SHA and still rolls back to the last verified one', async () => {
    h = await startRolloutHarness();
    const staging = await deployVerified(h, 'staging');
    const at = (ms: number) => new Date(Date.now() - ms);
    const common = {
      kind: 'deploy' as const,
      service: 'api',
      env: 'prod',
      ref: 'main',
      sha: staging.sha,
      reason: 'an older record',
      requestedBy: { id: people.alice.id, name: people.alice.name },
    };
    const goal = await h.deps.repos.deploys.create({
      ...common,
      id: 'DGOAL0001',
      state: 'succeeded',
      verification: 'verified',
      createdAt: at(60_000),
      finishedAt: at(50_000),
    });
    const failed = await h.deps.repos.deploys.create({
      ...common,
      id: 'DFAIL0001',
      state: 'failed',
      verification: 'faulty',
      createdAt: at(10_000),
    });
    await rollBackRollout(h.deps, failed);
    const rollback = await rollbackOf(h, failed.id);
    const sha7 = staging.sha.slice(0, 7);
    expect(rollback).toMatchObject({ ref: goal.sha, sha: goal.sha });
    expect(rollback?.reason).toBe(`Automatic rollback of ${sha7} to ${sha7}: the rollout failed`);
    const [lock] = await h.deps.repos.locks.list({ service: 'api', env: 'prod' });
    expect(lock?.reason).toBe(`${sha7} rollout failed: the rollout failed`);
  }, 30_000);
});
