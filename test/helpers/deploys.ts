import { requestDeploy } from '../../src/app/deploys/request.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, trackUntilDone, type AppHarness } from './app-deps.js';

/**
 * A prod deploy of the default branch waiting for an R5's approval: its SHA ran on staging first and was
 * marked verified there (the verification itself is not what these tests are about).
 */
export async function prodAwaitingApproval(h: AppHarness): Promise<Deploy> {
  const staging = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  const ran = await trackUntilDone(h.deps, staging.deploy.id);
  await h.deps.repos.deploys.update(ran.id, { verification: 'verified' }, h.deps.clock.now());
  const { deploy, progress } = await requestDeploy(h.deps, {
    actor: people.alice,
    service: 'api',
    env: 'prod',
  });
  if (progress.kind !== 'awaiting_approval')
    throw new Error(`prod did not wait for approval: ${progress.kind}`);
  return deploy;
}
