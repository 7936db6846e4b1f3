import { requestDeploy } from '../../src/app/deploys/request.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, trackUntilDone, type AppHarness } from './app-deps.js';

/** alice (R4) asks for the default branch on staging, which needs no approval. */
export const requestStaging = (deps: AppDeps) =>
  requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' });

/**
 * A staging deploy of the default branch that ran to its end; marked verified when asked (the verification
 * itself is not what the tests using this are about).
 */
export async function stagingRan(h: AppHarness, options: { verified?: boolean } = {}): Promise<Deploy> {
  const { deploy } = await requestStaging(h.deps);
  const ran = await trackUntilDone(h.deps, deploy.id);
  if (!options.verified) return ran;
  return (await h.deps.repos.deploys.update(ran.id, { verification: 'verified' }, h.deps.clock.now()))!;
}

/** A prod deploy of the default branch waiting for an R5's approval, its SHA verified on staging first. */
export async function prodAwaitingApproval(h: AppHarness): Promise<Deploy> {
  await stagingRan(h, { verified: true });
  const { deploy, progress } = await requestDeploy(h.deps, {
    actor: people.alice,
    service: 'api',
    env: 'prod',
  });
  if (progress.kind !== 'awaiting_approval')
    throw new Error(`prod did not wait for approval: ${progress.kind}`);
  return deploy;
}

/** carol holds a manual lock on api in `env` (a database migration): a waitable gate closed by a person. */
export async function migrationLock(h: AppHarness, env: string, at: Date = new Date()): Promise<void> {
  const taken = await h.deps.repos.locks.acquire({
    service: 'api',
    env,
    kind: 'manual',
    reason: 'database migration',
    createdBy: { id: people.carol.id, name: 'carol' },
    createdAt: at,
  });
  if (!taken) throw new Error(`api/${env} was locked already`);
}
