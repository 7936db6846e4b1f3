import { expect } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, trackUntilDone } from './app-deps.js';

/**
 * A green staging deploy of `service` by alice, marked verified (verification itself has tests of its own):
 * the way to prod.
 */
export async function verifiedOnStaging(deps: AppDeps, service = 'api'): Promise<Deploy> {
  const { deploy } = await requestDeploy(deps, { actor: people.alice, service, env: 'staging' });
  const done = await trackUntilDone(deps, deploy.id);
  return (await deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date())) ?? done;
}

/** A prod request by alice for the SHA verified on staging, awaiting an R5's approval. */
export async function prodAwaitingApproval(deps: AppDeps, service = 'api'): Promise<Deploy> {
  await verifiedOnStaging(deps, service);
  const { progress } = await requestDeploy(deps, { actor: people.alice, service, env: 'prod' });
  expect(progress.kind).toBe('awaiting_approval');
  return progress.deploy;
}
