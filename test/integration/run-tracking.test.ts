import { afterEach, describe, expect, it } from 'vitest';
import { applyRunEvent, trackActiveDeploys, trackDeploy } from '../../src/app/deploys/track.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { Run } from '../../src/app/ports/github.js';
import { ManualClock } from '../../src/domain/clock.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

/** Following a deploy's workflow run (§4.6): by polling, and from webhooks. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const waitFor = async <T>(read: () => Promise<T | undefined>, what: string): Promise<T> => {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('run tracking', () => {
  it('finds the run by its deploy_id when its id was never recorded (a crash right after the dispatch)', async () => {
    h = await startAppHarness();
    h.github.setDispatchDetails(false);
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const { runId: _runId, runUrl: _runUrl, ...unbound } = deploy;
    const record = await h.deps.repos.deploys.create({ ...unbound, id: 'D0000BAND', state: 'dispatched' });
    // Its run on GitHub, named for it by the workflow's run-name.
    await h.deps.github.dispatch('example-org/api', 'deploy.yml', {
      ref: 'main',
      inputs: { environment: 'staging', sha: deploy.sha, version: 'v2026.12.01', deploy_id: record.id },
    });

    const done = await trackUntilDone(h.deps, record.id);

    expect(done.state).toBe('succeeded');
    expect(done.runId).toBe(
      h.github.runs('example-org/api').find((r) => r.inputs.deploy_id === record.id)?.id,
    );
  });

  it('fails a deploy whose run never appears on GitHub, only once the limit has passed', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    h.github.setDispatchDetails(false);
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    // A deploy whose run GitHub never started: its id matches no run's inputs.
    const { runId: _runId, runUrl: _runUrl, ...lost } = deploy;
    const record = await h.deps.repos.deploys.create({ ...lost, id: 'D0000XYZW', state: 'dispatched' });

    await trackDeploy(h.deps, record);
    expect((await h.deps.repos.deploys.get(record.id))?.state).toBe('dispatched');

    clock.set(new Date(clock.now().getTime() + 6 * 60_000));
    await trackDeploy(h.deps, record);
    const failed = await h.deps.repos.deploys.get(record.id);
    expect(failed).toMatchObject({
      state: 'failed',
      outcomeReason: 'The workflow run never appeared on GitHub.',
    });
  });

  it('a run cancelled on GitHub cancels its deploy, with the conclusion said', async () => {
    h = await startAppHarness();
    h.github.holdRuns(true);
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const runId = await waitFor(async () => (await h!.deps.repos.deploys.get(deploy.id))?.runId, 'the run');

    await h.deps.github.cancelRun('example-org/api', runId);
    const done = await trackUntilDone(h.deps, deploy.id);

    expect(done).toMatchObject({ state: 'cancelled', outcomeReason: 'The workflow run ended: cancelled.' });
  });

  it('keeps following when GitHub fails to answer one read: the sweep logs it and tries again', async () => {
    h = await startAppHarness();
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    h.github.failNextRequest({ method: 'GET', path: /\/actions\/runs\/\d+$/ }, 502, { times: 10 });

    expect(await trackActiveDeploys(h.deps)).toBe(1);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('dispatched');

    expect((await trackUntilDone(h.deps, deploy.id)).state).toBe('succeeded');
  });

  it('a webhook names the deploy in the run name: the run is bound to it; another SHA or an unknown run is ignored', async () => {
    h = await startAppHarness();
    h.github.setDispatchDetails(false);
    h.github.holdRuns(true);
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const local = await waitFor(
      () => Promise.resolve(h!.github.runs('example-org/api')[0]),
      'the run on the local GitHub',
    );
    const run: Run = {
      id: local.id,
      name: `Deploy ${deploy.id}`,
      headSha: deploy.sha,
      status: 'in_progress',
      conclusion: null,
      htmlUrl: `https://github.com/example-org/api/actions/runs/${local.id}`,
      runAttempt: 1,
      createdAt: new Date(),
    } as Run;

    expect(await applyRunEvent(h.deps, { ...run, id: 999_999, name: 'Deploy nothing' })).toBe(false);
    expect(await applyRunEvent(h.deps, { ...run, id: 999_998, headSha: 'f'.repeat(40) })).toBe(false);
    expect(await applyRunEvent(h.deps, run)).toBe(true);

    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({ state: 'running', runId: local.id });
  });
});
