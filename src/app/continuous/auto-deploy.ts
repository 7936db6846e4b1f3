import { serviceOf, type ServiceConfig } from '../../config.js';
import { stableId } from '../../domain/ids.js';
import { AUTO_ACTOR, type Deploy } from '../../domain/model.js';
import { proceed } from '../deploys/proceed.js';
import { recordRequest } from '../deploys/request.js';
import type { AppDeps } from '../ports/deps.js';

/** What became of one look at a commit (webhook or poll), for logs, the webhook answer and tests. */
export type AutoDeployOutcome =
  | { readonly kind: 'started'; readonly deploy: Deploy }
  | { readonly kind: 'duplicate'; readonly deploy: Deploy }
  | { readonly kind: 'not-head' }
  | { readonly kind: 'ci-pending' }
  | { readonly kind: 'ci-red'; readonly summary: string };

/** Whether the look is final for this SHA: nothing later (a check finishing) can change it. */
export function settledOutcome(outcome: AutoDeployOutcome): boolean {
  return outcome.kind !== 'ci-pending';
}

/** The services that opted into continuous delivery (§15) and follow `branch` of `repo` (any when omitted). */
export function followingServices(
  deps: AppDeps,
  repo?: string,
  branch?: string,
): { name: string; service: ServiceConfig }[] {
  return Object.keys(deps.config.services)
    .map((name) => ({ name, service: serviceOf(deps.config, name) }))
    .filter(
      (s): s is { name: string; service: ServiceConfig } =>
        s.service?.autoDeploy !== undefined &&
        (repo === undefined || s.service.repo.toLowerCase() === repo.toLowerCase()) &&
        (branch === undefined || s.service.defaultRef === branch),
    );
}

/** The one deploy id the auto deploy of (service, env, SHA) may ever have: the store refuses a second. */
export function autoDeployId(service: string, env: string, sha: string): string {
  return stableId('D', 'auto-deploy', service, env, sha.toLowerCase());
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;
}

/**
 * Continuous delivery to staging (§15): `sha`, seen on the default branch of an opted-in service, is
 * deployed to staging by the actor `auto` when it is still the branch head and its CI is green. A newer
 * request supersedes an older one that has not started; freezes, maintenance and every other gate apply
 * as to a person (queued or refused the same way). Idempotent by (service, SHA): the request's id is derived
 * from them, so webhooks, redeliveries and the poll can race and only one request is ever written; one left
 * in `requested` by a crash is taken on by the next look.
 */
export async function autoDeployCommit(
  deps: AppDeps,
  name: string,
  sha: string,
  source: string,
): Promise<AutoDeployOutcome> {
  const service = serviceOf(deps.config, name);
  const env = service?.autoDeploy;
  if (!service || env === undefined) return { kind: 'not-head' };
  const log = deps.log.child({ service: name, sha, source });
  const id = autoDeployId(name, env, sha);
  const existing = await deps.repos.deploys.get(id);
  if (existing) return { kind: 'duplicate', deploy: await resume(deps, existing) };

  const head = await deps.github.resolveRef(service.repo, service.defaultRef);
  if (head?.sha.toLowerCase() !== sha.toLowerCase()) {
    log.info({ head: head?.sha }, 'auto deploy skipped: no longer the branch head');
    return { kind: 'not-head' };
  }
  const ci = await deps.github.ciStatus(service.repo, sha);
  if (ci.state === 'pending' || ci.state === 'none') {
    log.info({ ci: ci.summary }, 'auto deploy waits for CI');
    return { kind: 'ci-pending' };
  }
  if (ci.state !== 'success') {
    log.info({ ci: ci.summary }, 'auto deploy skipped: CI is not green');
    return { kind: 'ci-red', summary: ci.summary };
  }
  let deploy: Deploy;
  try {
    deploy = await recordRequest(deps, {
      id,
      target: { service: name, env },
      ref: service.defaultRef,
      sha,
      actor: AUTO_ACTOR,
      reason: `continuous delivery of ${service.defaultRef} (${source})`,
    });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const raced = await deps.repos.deploys.get(id);
    if (!raced) throw error;
    return { kind: 'duplicate', deploy: raced };
  }
  log.info({ deployId: deploy.id }, 'auto deploy requested');
  const progress = await proceed(deps, deploy, { actor: AUTO_ACTOR });
  return { kind: 'started', deploy: progress.deploy };
}

/** A request recorded but never taken through its gates (the process died in between): take it on now. */
export async function resume(deps: AppDeps, deploy: Deploy): Promise<Deploy> {
  if (deploy.state !== 'requested' || deploy.gates !== undefined) return deploy;
  return (await proceed(deps, deploy, { actor: AUTO_ACTOR })).deploy;
}
