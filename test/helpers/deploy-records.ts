import type { Deploy } from '../../src/domain/model.js';
import { people, type AppHarness } from './app-deps.js';

export const API = 'example-org/api';

/** The head of api's main branch on the local GitHub. */
export const headOf = (h: AppHarness): string => h.github.history(API)[0] ?? '';

/**
 * A deploy of api written straight to the repository, as a record left by an earlier step (or an older
 * version of the bot) would be: alice's, of main's head, with only the fields a test gives beside those.
 */
export function seedDeploy(
  h: AppHarness,
  fields: Partial<Deploy> & Pick<Deploy, 'id' | 'env' | 'state'>,
): Promise<Deploy> {
  return h.deps.repos.deploys.create({
    kind: 'deploy',
    service: 'api',
    ref: 'main',
    sha: headOf(h),
    reason: '',
    requestedBy: { id: people.alice.id, name: 'alice' },
    createdAt: new Date(),
    ...fields,
  });
}

/** The deploy workflow dispatched on the local GitHub with `deployId` in its run name; its run id. */
export async function dispatchRunFor(
  h: AppHarness,
  deployId: string,
  env: string,
  workflow = 'deploy.yml',
): Promise<number> {
  const version = workflow === 'deploy.yml' ? { version: 'manual' } : {};
  const { runId } = await h.deps.github.dispatch(API, workflow, {
    ref: 'main',
    inputs: { environment: env, sha: headOf(h), deploy_id: deployId, ...version },
  });
  if (runId === undefined) throw new Error('the local GitHub returned no run id');
  return runId;
}
