import { afterEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { performEffect } from '../../src/app/pipeline/effects.js';
import { createOutboxRunner, sweepOutbox } from '../../src/app/pipeline/worker.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { ManualClock } from '../../src/domain/clock.js';
import { people, startAppHarness, testConfig, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

/** The GitHub Deployment that mirrors a deploy's run (§4.6): created once, and finished with the outcome. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const REPO = 'example-org/api';
const stagingDeployments = (h: AppHarness) =>
  h.github.deployments(REPO).filter((d) => d.environment === 'staging');

describe('GitHub Deployments', () => {
  it('a failed run leaves its Deployment failed, with no tag and no marker', async () => {
    h = await startAppHarness();
    h.github.failNext(REPO, 'deploy.yml');

    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(h.deps, deploy.id);
    await h.deps.outbox.drain(done.id);

    expect(done).toMatchObject({ state: 'failed', outcomeReason: 'The workflow run ended: failure.' });
    expect(stagingDeployments(h).map((d) => d.states)).toEqual([['in_progress', 'failure']]);
    expect(h.told.markers).toHaveLength(0);
    expect(Object.keys(h.github.tags(REPO))).toHaveLength(0);
  });

  it('finishes a Deployment of an environment without a health URL', async () => {
    h = await startAppHarness({
      config: testConfig((raw) => {
        raw.freezeWindows = [];
        const services = raw.services as Record<string, { environments: Record<string, unknown>[] }>;
        for (const env of services.api!.environments) delete env.healthUrl;
      }),
    });

    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    await trackUntilDone(h.deps, deploy.id);
    await h.deps.outbox.drain(deploy.id);

    expect(stagingDeployments(h).map((d) => d.states)).toEqual([['in_progress', 'success']]);
  });

  it('never creates a second Deployment when the process died after GitHub created the first', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    const create = h.deps.github.createDeployment.bind(h.deps.github);
    let crashes = 1;
    const ref: { deps?: AppDeps } = {};
    ref.deps = {
      ...h.deps,
      github: Object.assign(Object.create(h.deps.github) as AppDeps['github'], {
        createDeployment: async (...args: Parameters<AppDeps['github']['createDeployment']>) => {
          const id = await create(...args);
          if (crashes-- > 0) throw new Error('killed after GitHub created the Deployment');
          return id;
        },
      }),
      outbox: createOutboxRunner(() => ref.deps!, performEffect),
    };

    const { deploy } = await requestDeploy(ref.deps, { actor: people.alice, service: 'api', env: 'staging' });
    for (let i = 0; i < 10 && stagingDeployments(h)[0]?.states.length !== 1; i++) {
      clock.advance(5_000);
      await sweepOutbox(ref.deps);
    }
    await trackUntilDone(ref.deps, deploy.id);
    await ref.deps.outbox.drain(deploy.id);

    expect(stagingDeployments(h).map((d) => d.states)).toEqual([['in_progress', 'success']]);
    const record = await h.deps.repos.deploys.get(deploy.id);
    expect(record?.githubDeploymentId).toBe(h.github.deployments(REPO)[0]?.id);
  });
});
