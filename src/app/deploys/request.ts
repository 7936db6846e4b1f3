import { UserFacingError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Actor, Deploy } from '../../domain/model.js';
import { canRequestDeploy, type RoleActor } from '../../domain/roles.js';
import { refProblem } from '../../domain/refs.js';
import { clampReason, echoInput } from '../../domain/text.js';
import type { AppDeps } from '../ports/deps.js';
import { resolveTarget, rolesFor, type Target } from './context.js';
import { proceed, type Progress } from './proceed.js';
import { supersedeDeploy } from './supersede.js';
import { audit } from '../audit.js';

export interface DeployRequest {
  readonly actor: Actor & RoleActor;
  readonly service: string;
  readonly env: string;
  readonly ref?: string;
  readonly reason?: string;
}

/** Resolves a ref to a commit SHA on GitHub, with a clear answer when it does not exist. */
export async function resolveSha(deps: AppDeps, target: Target, ref: string): Promise<string> {
  const problem = refProblem(ref);
  if (problem) {
    throw new UserFacingError(
      'BAD_INPUT',
      `The ref "${echoInput(ref, 60)}" ${problem}: name a branch, tag or commit SHA.`,
    );
  }
  const commit = await deps.github.resolveRef(target.serviceConfig.repo, ref);
  if (!commit) {
    throw new UserFacingError(
      'UNKNOWN_REF',
      `"${echoInput(ref, 60)}" is not a branch, tag or commit of ${target.serviceConfig.repo}.`,
    );
  }
  return commit.sha;
}

/** The fields of a new request that say what was live before it (its rollback target once verified). */
export async function previousOf(
  deps: AppDeps,
  service: string,
  env: string,
): Promise<Pick<Deploy, 'previousDeployId' | 'previousSha' | 'previousVersion'>> {
  const previous = await deps.repos.deploys.lastSucceeded(service, env);
  return previous
    ? {
        previousDeployId: previous.id,
        previousSha: previous.sha,
        ...(previous.version ? { previousVersion: previous.version } : {}),
      }
    : {};
}

/**
 * Records a request in `requested` (audited), after superseding the older ones of the same service and env
 * that are still waiting (unless `keepOlder`: a scheduled request supersedes them when it fires). Continuous
 * delivery passes a stable `id` so a (service, SHA) can only ever be requested once.
 */
export async function recordRequest(
  deps: AppDeps,
  input: {
    target: Pick<Target, 'service' | 'env'>;
    ref: string;
    sha: string;
    actor: Actor;
    reason: string;
    id?: string;
    keepOlder?: boolean;
    extra?: Pick<Deploy, 'scheduledFor' | 'promotionOf'>;
  },
): Promise<Deploy> {
  const { target, sha } = input;
  if (!input.keepOlder) {
    // A newer request replaces the requester's own older ones for the same service and env that still
    // wait; other people's keep their place in the queue (§16: FIFO across requesters).
    for (const older of await deps.repos.deploys.findByStates(['requested', 'queued', 'awaiting_approval'], {
      service: target.service,
      env: target.env,
    })) {
      if (older.id === input.id || older.requestedBy.id !== input.actor.id) continue;
      await supersedeDeploy(deps, older, `a newer request (${sha.slice(0, 7)}) replaced it`);
    }
  }
  const deploy = await deps.repos.deploys.create({
    id: input.id ?? newId('D'),
    kind: 'deploy',
    service: target.service,
    env: target.env,
    ref: input.ref,
    sha,
    state: 'requested',
    reason: clampReason(input.reason),
    requestedBy: { id: input.actor.id, name: input.actor.name },
    createdAt: deps.clock.now(),
    ...(await previousOf(deps, target.service, target.env)),
    ...input.extra,
  });
  await audit(deps, deploy, 'deploy.requested', {
    actor: deploy.requestedBy,
    ...(deploy.reason ? { reason: deploy.reason } : {}),
  });
  return deploy;
}

/**
 * A person's request, as `/deploy` and `/deploy … at:` take it: the role read live, the ref resolved on
 * GitHub (a ref that names nothing is refused at once), then recorded. `options` go to `recordRequest`.
 */
export async function recordPersonsRequest(
  deps: AppDeps,
  request: DeployRequest,
  options: Pick<Parameters<typeof recordRequest>[1], 'keepOlder' | 'extra'> = {},
): Promise<Deploy> {
  const permission = canRequestDeploy(request.actor, rolesFor(deps, request.service));
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const target = resolveTarget(deps, request.service, request.env);
  const ref = request.ref ?? target.serviceConfig.defaultRef;
  const sha = await resolveSha(deps, target, ref);
  return recordRequest(deps, {
    target,
    ref,
    sha,
    actor: request.actor,
    reason: request.reason ?? '',
    ...options,
  });
}

/**
 * `/deploy service env [ref] [reason]` (§4.1): checks the role and the options, resolves the ref, records
 * the request, then lets `proceed` run the gates and decide: refuse, queue, ask for approval, or dispatch.
 */
export async function requestDeploy(
  deps: AppDeps,
  request: DeployRequest,
): Promise<{ deploy: Deploy; progress: Progress }> {
  const deploy = await recordPersonsRequest(deps, request);
  const progress = await proceed(deps, deploy, { actor: deploy.requestedBy });
  return { deploy: progress.deploy, progress };
}
