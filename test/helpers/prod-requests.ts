import { expect } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, startAppHarness, testConfig, trackUntilDone, type AppHarness } from './app-deps.js';

/** The harness with api's prod env edited (`approvals`, `checklist` …) and no recurring freeze windows. */
export async function harnessWithProd(
  prod: Record<string, unknown> = {},
  clock?: Clock,
): Promise<AppHarness> {
  const config = testConfig((raw) => {
    raw.freezeWindows = [];
    const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api;
    Object.assign(api?.environments.find((e) => e.name === 'prod') ?? {}, prod);
  });
  return startAppHarness({ config, ...(clock ? { clock } : {}) });
}

/** alice's prod request for a SHA deployed and verified on staging: it waits for an R5. */
export async function awaitingProdApproval(h: AppHarness): Promise<Deploy> {
  const staging = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  const done = await trackUntilDone(h.deps, staging.deploy.id);
  await h.deps.repos.deploys.update(done.id, { verification: 'verified' }, h.deps.clock.now());
  const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
  expect(deploy.state).toBe('awaiting_approval');
  return deploy;
}

/** How many runs of api's deploy workflow target `env` on the local GitHub. */
export function runsTo(h: AppHarness, env: string): number {
  return h.github.runs('example-org/api').filter((r) => r.inputs.environment === env).length;
}

/**
 * Replaces `object[name]` for the rest of the test with `wrap(original)`: lets a test make another
 * instance's write land between two of the product's (a race), or a call fail, at an exact point.
 */
export function interpose<T extends object, K extends keyof T>(
  object: T,
  name: K,
  wrap: (original: T[K]) => T[K],
): void {
  const original = object[name];
  object[name] = wrap(typeof original === 'function' ? (original.bind(object) as T[K]) : original);
}
