import { afterEach, describe, expect, it } from 'vitest';
import { dispatchEffect } from '../../src/app/pipeline/dispatch.js';
import { performEffect } from '../../src/app/pipeline/effects.js';
import {
  createDeploymentEffect,
  createTagEffect,
  finalDeploymentStatus,
} from '../../src/app/pipeline/github-effects.js';
import { createOutboxRunner, sweepOutbox, type PerformEffect } from '../../src/app/pipeline/worker.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import { startAppHarness, testConfig, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { requestStaging, stagingRan } from '../helpers/deploys.js';
import { replaceMethod } from '../helpers/interpose.js';

/** The outbox worker, the dispatch and the GitHub Deployment effects when things do not simply go well. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const REPO = 'example-org/api';
const stagingRuns = (h: AppHarness) =>
  h.github.runs(REPO).filter((r) => r.workflow === 'deploy.yml' && r.inputs.environment === 'staging');
const pending = (deploy: Deploy | undefined) =>
  Object.values(deploy?.effects ?? {}).filter((e) => e.status === 'pending');

/** The harness's deps with an outbox worker of its own, performing effects with `perform`. */
function withWorker(h: AppHarness, perform: PerformEffect): AppDeps {
  const deps: AppDeps = { ...h.deps, outbox: createOutboxRunner(() => deps, perform) };
  return deps;
}

describe('the dispatch effect', () => {
  it('a staging dispatch whose answer was lost finds its run by deploy_id on the retry, dispatching once', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    // GitHub started the run, but the process died before it heard back (the adapter never saw an answer).
    let lost = 1;
    replaceMethod(h.deps.github, 'dispatch', (real) => async (repo, workflow, request) => {
      const run = await real(repo, workflow, request);
      if (lost-- > 0) throw new Error('socket hang up');
      return run;
    });
    const { deploy } = await requestStaging(h.deps);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('approved');
    clock.advance(60_000);
    await sweepOutbox(h.deps);

    const recorded = await h.deps.repos.deploys.get(deploy.id);
    expect(stagingRuns(h)).toHaveLength(1);
    expect(recorded).toMatchObject({ state: 'dispatched', runId: stagingRuns(h)[0]!.id });
  });

  it('a dispatch GitHub answers without the run: dispatched all the same, and the run is followed by deploy_id', async () => {
    h = await startAppHarness();
    replaceMethod(h.deps.github, 'dispatch', (real) => async (repo, workflow, request) => {
      await real(repo, workflow, request);
      return {};
    });

    const { deploy, progress } = await requestStaging(h.deps);
    expect(progress.kind).toBe('dispatched');
    const dispatched = await h.deps.repos.deploys.get(deploy.id);
    expect(dispatched?.runId).toBeUndefined();
    expect(dispatched?.runUrl).toBeUndefined();

    const done = await trackUntilDone(h.deps, deploy.id);
    expect(done).toMatchObject({ state: 'succeeded', runId: stagingRuns(h)[0]!.id });
  });

  it('a dispatch still owed to a deploy that moved on meanwhile dispatches nothing', async () => {
    h = await startAppHarness();
    const done = await stagingRan(h);

    await dispatchEffect(h.deps, done, { gatesChecked: true, inDoubt: true, attempts: 3 });

    expect(stagingRuns(h)).toHaveLength(1);
    expect((await h.deps.repos.deploys.get(done.id))?.state).toBe('succeeded');
  });
});

describe('the outbox worker', () => {
  it('leaves effects that must wait pending and lets go of the outbox, so its job can take it at once', async () => {
    h = await startAppHarness();
    const waited: string[] = [];
    const deps = withWorker(h, (_deps, { effect }) => {
      waited.push(effect.spec.kind);
      return Promise.resolve('wait');
    });

    const { deploy } = await requestStaging(deps);

    const record = await h.deps.repos.deploys.get(deploy.id);
    expect(record?.state).toBe('approved');
    expect(pending(record).map((e) => e.spec.kind)).toContain('dispatch');
    expect(waited).toContain('dispatch');
    expect(record?.outboxClaim).toBeUndefined();
    expect(stagingRuns(h)).toHaveLength(0);
  });

  it('performs nothing of an outbox another process holds', async () => {
    h = await startAppHarness();
    let performed = 0;
    const deps = withWorker(h, (d, context) => {
      performed++;
      return performEffect(d, context);
    });
    const holdIt = replaceMethod(
      h.deps.repos.deploys,
      'claimOutbox',
      (real) => (id, _holder, until, now) =>
        real(id, { instance: 'other', boot: 'other-boot' }, until, now).then(() => undefined),
    );

    const { deploy } = await requestStaging(deps);
    holdIt();

    const record = await h.deps.repos.deploys.get(deploy.id);
    expect(performed).toBe(0);
    expect(record?.outboxClaim).toMatchObject({ instance: 'other' });
    expect(pending(record).map((e) => e.spec.kind)).toContain('dispatch');
    expect(stagingRuns(h)).toHaveLength(0);
  });

  it('records a failure that is not an Error by its text, and retries the effect later', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    const deps = withWorker(h, (d, context) => {
      if (context.effect.spec.kind === 'dispatch') {
        // A dependency may reject with something that is not an Error; the record still says what it was.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject('GitHub went away');
      }
      return performEffect(d, context);
    });

    const { deploy } = await requestStaging(deps);

    const dispatch = Object.values((await h.deps.repos.deploys.get(deploy.id))?.effects ?? {}).find(
      (e) => e.spec.kind === 'dispatch',
    );
    expect(dispatch).toMatchObject({ status: 'pending', attempts: 1, lastError: 'GitHub went away' });
    expect(dispatch?.notBefore).toEqual(new Date(clock.now().getTime() + 1_000)); // the first backoff
    expect(stagingRuns(h)).toHaveLength(0);
  });
});

describe('the GitHub Deployment and tag effects', () => {
  /** A staging deploy that ran, its Deployment mirrored on GitHub. */
  async function finished(h: AppHarness): Promise<Deploy> {
    const ran = await stagingRan(h);
    await h.deps.outbox.drain(ran.id);
    return (await h.deps.repos.deploys.get(ran.id))!;
  }

  it('a retried Deployment effect whose Deployment was recorded adds its status there, creating no second one', async () => {
    h = await startAppHarness();
    const done = await finished(h);
    expect(done.githubDeploymentId).toBeDefined();
    const before = h.github.deployments(REPO);

    await createDeploymentEffect(h.deps, done, true);

    const after = h.github.deployments(REPO);
    expect(after).toHaveLength(before.length);
    expect(after.find((d) => d.id === done.githubDeploymentId)?.states.at(-1)).toBe('in_progress');
  });

  it('a Deployment for a deploy without a version or run link yet names the deploy and carries its id only', async () => {
    h = await startAppHarness();
    const { version: _version, runUrl: _runUrl, githubDeploymentId: _id, ...done } = await finished(h);
    const told: { description: string; payload?: unknown }[] = [];
    const statuses: { description?: string; logUrl?: string }[] = [];
    replaceMethod(h.deps.github, 'createDeployment', (real) => (repo, deployment) => {
      told.push(deployment);
      return real(repo, deployment);
    });
    replaceMethod(h.deps.github, 'createDeploymentStatus', (real) => (repo, id, status) => {
      statuses.push(status);
      return real(repo, id, status);
    });

    await createDeploymentEffect(h.deps, done, false);

    expect(told).toEqual([
      expect.objectContaining({ description: `api ${done.id} by alice`, payload: { deploy_id: done.id } }),
    ]);
    expect(statuses).toEqual([{ state: 'in_progress', description: `${done.id} dispatched` }]);
  });

  it('finishes no Deployment that was never created, and tags no deploy without a version', async () => {
    h = await startAppHarness();
    const { githubDeploymentId: _id, version: _version, ...done } = await finished(h);
    const calls: string[] = [];
    replaceMethod(h.deps.github, 'createDeploymentStatus', () => () => {
      calls.push('status');
      return Promise.resolve();
    });
    replaceMethod(h.deps.github, 'createTag', () => () => {
      calls.push('tag');
      return Promise.resolve();
    });

    await finalDeploymentStatus(h.deps, done, 'failure');
    await createTagEffect(h.deps, done);

    expect(calls).toEqual([]);
  });

  it('a deploy without a reason, version or health URL tells GitHub its state or id, and links no environment', async () => {
    h = await startAppHarness({
      config: testConfig((raw) => {
        raw.freezeWindows = [];
        const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api!;
        for (const env of api.environments) delete env.healthUrl;
      }),
    });
    const { runUrl: _runUrl, ...done } = await finished(h);
    const statuses: unknown[] = [];
    replaceMethod(h.deps.github, 'createDeploymentStatus', (real) => (repo, id, status) => {
      statuses.push(status);
      return real(repo, id, status);
    });

    await finalDeploymentStatus(h.deps, { ...done, state: 'failed' }, 'failure');
    const { version: _version, ...unversioned } = done;
    await finalDeploymentStatus(h.deps, unversioned, 'success');

    expect(statuses).toEqual([
      { state: 'failure', description: 'failed' },
      { state: 'success', description: `${done.id} is live` },
    ]);
  });
});
