import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { cancelRun, rerunRun } from '../../src/app/deploys/run-control.js';
import { trackActiveDeploys } from '../../src/app/deploys/track.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Deploy, DeployState } from '../../src/domain/model.js';
import { people, startAppHarness, testConfig, type AppHarness, refusal } from '../helpers/app-deps.js';

const REPO = 'example-org/api';
const STUCK_TEXT = /stuck.*Cancel run.*Re-run/;

let h: AppHarness;
let clock: ManualClock;
beforeEach(async () => {
  // A clock that only moves when the test moves it: "stuck" depends on it alone, not on how fast we run.
  clock = new ManualClock(new Date());
  h = await startAppHarness({
    config: testConfig((raw) => {
      raw.freezeWindows = [];
      raw.tracking = { pollInterval: '1s', stuckAfter: '1s' };
    }),
    clock,
  });
  h.github.holdRuns(true);
});
afterEach(async () => {
  h.github.holdRuns(false);
  await h.close();
});

/** Polls the tracker (as the agenda job does) until the deploy is in one of `states`, bounded. */
async function trackUntil(id: string, states: DeployState[], timeoutMs = 5_000): Promise<Deploy> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    await trackActiveDeploys(h.deps);
    const deploy = await h.deps.repos.deploys.get(id);
    if (deploy && states.includes(deploy.state)) return deploy;
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  throw new Error(`deploy ${id} did not reach ${states.join('/')} within ${timeoutMs} ms`);
}

const stuckCards = (id: string) => h.told.cards.filter((c) => c.deploy.id === id && c.stuck);
const stuckLines = (id: string) =>
  h.told.progress.filter((p) => p.deployId === id && STUCK_TEXT.test(p.text));
const localRun = (runId: number | undefined) => h.github.runs(REPO).find((r) => r.id === runId);

/** A staging deploy of api whose run is held in progress and which the tracker has seen running. */
async function runningStagingDeploy(): Promise<Deploy> {
  const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  expect(progress.kind).toBe('dispatched');
  const running = await trackUntil(progress.deploy.id, ['running']);
  expect(localRun(running.runId)?.status).toBe('in_progress');
  return running;
}

describe('a stuck run (held in progress on the local GitHub API)', () => {
  it('is flagged on the card once after stuckAfter, with Cancel run / Re-run', async () => {
    const deploy = await runningStagingDeploy();
    expect(h.deps.config.tracking.stuckAfter).toBe(1_000);
    // The clock has not moved: not stuck yet, however long the test took to get here.
    await trackActiveDeploys(h.deps);
    expect(stuckCards(deploy.id)).toEqual([]);
    expect(stuckLines(deploy.id)).toEqual([]);

    clock.advance(1_001);
    await trackActiveDeploys(h.deps);
    expect(stuckCards(deploy.id)).toHaveLength(1);
    expect(stuckCards(deploy.id)[0]?.deploy.state).toBe('running');
    expect(stuckLines(deploy.id)).toHaveLength(1);

    // Further ticks (and more time) do not repeat it.
    for (let i = 0; i < 3; i++) {
      clock.advance(5_000);
      await trackActiveDeploys(h.deps);
    }
    expect(stuckCards(deploy.id)).toHaveLength(1);
    expect(stuckLines(deploy.id)).toHaveLength(1);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('running');

    // What the flag means on Discord: the card offers the two run controls only when stuck.
    const labels = (stuck: boolean) =>
      JSON.stringify(renderDeployCard({ ...deploy, stuck }, { repo: REPO }).components ?? []);
    expect(labels(true)).toContain('Cancel run');
    expect(labels(true)).toContain('Re-run');
    expect(labels(false)).not.toContain('Cancel run');
    expect(labels(false)).not.toContain('Re-run');
  });

  it('lets an R4 cancel a stuck staging run, refuses someone without a role, and ends the deploy cancelled', async () => {
    const deploy = await runningStagingDeploy();
    clock.advance(1_001);
    await trackActiveDeploys(h.deps);
    expect(stuckCards(deploy.id)).toHaveLength(1);

    const refused = await refusal(cancelRun(h.deps, people.dave, deploy.id));
    expect(refused.code).toBe('NOT_ALLOWED');
    expect((await refusal(rerunRun(h.deps, people.dave, deploy.id))).code).toBe('NOT_ALLOWED');
    expect(localRun(deploy.runId)).toMatchObject({ status: 'in_progress', conclusion: null });

    await cancelRun(h.deps, people.alice, deploy.id);
    expect(localRun(deploy.runId)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    const audit = await h.deps.repos.audit.find({ deployId: deploy.id, limit: 50 });
    expect(audit.filter((e) => e.action === 'deploy.run-cancel-requested').map((e) => e.actor.name)).toEqual([
      'alice',
    ]);

    h.github.holdRuns(false);
    const done = await trackUntil(deploy.id, ['succeeded', 'failed', 'cancelled']);
    expect(done.state).toBe('cancelled');
    expect(done.outcomeReason).toMatch(/cancelled/);
    expect(h.told.markers).toEqual([]);
    expect(h.events.finished).toEqual(['api/staging:cancelled']);

    // Once the deploy has ended, the run controls answer clearly instead of touching GitHub.
    const afterCancel = h.github.requests().length;
    const rerun = await refusal(rerunRun(h.deps, people.alice, deploy.id));
    expect(rerun.code).toBe('ALREADY_DECIDED');
    expect(rerun.message).toMatch(/no run in flight \(cancelled\)/);
    expect((await refusal(cancelRun(h.deps, people.bob, deploy.id))).code).toBe('ALREADY_DECIDED');
    expect(
      h.github
        .requests()
        .slice(afterCancel)
        .filter((r) => r.method === 'POST'),
    ).toEqual([]);
    expect(localRun(deploy.runId)).toMatchObject({ status: 'completed', runAttempt: 1 });
  });

  it('re-runs a stuck run: cancelled for it, then a new attempt of the same run, and the deploy goes on', async () => {
    const deploy = await runningStagingDeploy();
    clock.advance(1_001);
    await trackActiveDeploys(h.deps);
    expect(stuckCards(deploy.id)).toHaveLength(1);

    // GitHub re-runs only finished runs: Re-run cancels the stuck run, and the tracker re-runs it.
    await rerunRun(h.deps, people.alice, deploy.id);
    const audit = await h.deps.repos.audit.find({ deployId: deploy.id, limit: 50 });
    expect(audit.filter((e) => e.action === 'deploy.run-rerun-requested')).toHaveLength(1);
    for (let i = 0; i < 50 && localRun(deploy.runId)?.runAttempt !== 2; i += 1) {
      await trackActiveDeploys(h.deps);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(localRun(deploy.runId)).toMatchObject({ runAttempt: 2 });
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('running');
    expect(h.told.progress.some((p) => p.deployId === deploy.id && /Re-running/.test(p.text))).toBe(true);

    h.github.holdRuns(false);
    for (let i = 0; i < 100; i += 1) {
      await trackActiveDeploys(h.deps);
      if ((await h.deps.repos.deploys.get(deploy.id))?.state === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('succeeded');
    expect(h.told.markers.map((m) => m.id)).toEqual([deploy.id]);
  });

  it('says why a run action cannot be done: nothing in flight, no run yet, or GitHub refused it', async () => {
    const deploy = await runningStagingDeploy();
    const { runId: _runId, ...unbound } = deploy;
    const noRun = await h.deps.repos.deploys.create({ ...unbound, id: 'D00000RNT' });
    expect(await refusal(cancelRun(h.deps, people.alice, noRun.id))).toMatchObject({ code: 'NOT_FOUND' });

    // GitHub answers 409 for a run that has already finished: the person is told, nothing changes.
    h.github.failNextRequest({ method: 'POST', path: /\/cancel$/ }, 409, { times: 4 });
    expect((await refusal(cancelRun(h.deps, people.alice, deploy.id))).message).toMatch(
      /GitHub would not cancel the run/,
    );
    h.github.failNextRequest({ method: 'POST', path: /\/cancel$/ }, 409, { times: 4 });
    expect((await refusal(rerunRun(h.deps, people.alice, deploy.id))).message).toMatch(
      /GitHub would not cancel the run before re-running it/,
    );
    expect((await h.deps.repos.deploys.get(deploy.id))?.rerunRequested).toBe(false);
    // Another failure is not the person's answer: it reaches the caller as it is.
    h.github.failNextRequest({ method: 'POST', path: /\/cancel$/ }, 404);
    await expect(cancelRun(h.deps, people.alice, deploy.id)).rejects.not.toHaveProperty(
      'code',
      'ALREADY_DECIDED',
    );

    h.github.holdRuns(false);
    const done = await trackUntil(deploy.id, ['succeeded']);
    expect((await refusal(cancelRun(h.deps, people.alice, done.id))).message).toMatch(/no run in flight/);
  });
});
