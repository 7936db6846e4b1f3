import { UserFacingError } from '../../domain/errors.js';
import { SYSTEM_ACTOR, type Actor, type Deploy } from '../../domain/model.js';
import { canApprove, canCancel, canRequestDeploy, type RoleActor } from '../../domain/roles.js';
import { shortSha } from '../../domain/text.js';
import { loadDeploy, rolesFor, targetOf } from '../deploys/context.js';
import { proceed, settled, type Progress } from '../deploys/proceed.js';
import { previousOf, recordPersonsRequest, resolveSha } from '../deploys/request.js';
import { supersedeDeploy } from '../deploys/supersede.js';
import { SCHEDULE_FIRE_JOB } from '../job-names.js';
import { annotate, transition } from '../pipeline/transition.js';
import type { AppDeps } from '../ports/deps.js';

type Acting = Actor & RoleActor;

export interface ScheduleRequest {
  readonly actor: Acting;
  readonly service: string;
  readonly env: string;
  readonly at: Date;
  readonly ref?: string;
  readonly reason?: string;
}

/**
 * `/deploy … at:<time>` (§15): the request is stored in `scheduled` and its fire job armed in the same
 * write (the `schedule` event owes it). Nothing is gated now: gates and approval are evaluated at fire time.
 * The ref is resolved now, so a ref that names nothing is refused at once, and again when it fires.
 */
export async function scheduleDeploy(deps: AppDeps, request: ScheduleRequest): Promise<Progress> {
  // The role before the time: someone who may not deploy hears that, not a remark on the time.
  const permission = canRequestDeploy(request.actor, rolesFor(deps, request.service));
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (request.at.getTime() <= deps.clock.now().getTime()) {
    throw new UserFacingError('BAD_INPUT', 'A scheduled deploy needs a time in the future.');
  }
  const deploy = await recordPersonsRequest(deps, request, {
    keepOlder: true,
    extra: { scheduledFor: request.at },
  });
  const moved = await transition(
    deps,
    deploy,
    'schedule',
    {},
    { actor: deploy.requestedBy, reason: `fires at ${request.at.toISOString()}` },
  );
  return settled(deps, moved, deploy);
}

/** The `scheduleFire` effect: the durable job at the request's time, once (unique key). */
export async function armScheduleFire(deps: AppDeps, deploy: Deploy): Promise<void> {
  if (!deploy.scheduledFor) return;
  await deps.jobs.schedule(
    SCHEDULE_FIRE_JOB,
    { deployId: deploy.id },
    { at: deploy.scheduledFor, uniqueKey: `schedule-fire:${deploy.id}` },
  );
}

/**
 * The fire job (§15): `fire` moves it to `requested` in one conditional write (a second run, another
 * instance or a cancel that came first find nothing to move), with the ref resolved again; then it is a
 * request like any other: it supersedes older waiting ones, and its gates and approval are evaluated now — a
 * freeze queues it. An approval given in advance counts only for the SHA it was given for.
 */
export async function fireScheduled(deps: AppDeps, deployId: string): Promise<Deploy | undefined> {
  let deploy = await deps.repos.deploys.get(deployId);
  if (!deploy) return undefined;
  if (deploy.state === 'scheduled') {
    const fired = await fire(deps, deploy);
    if (!fired) return deps.repos.deploys.get(deployId);
    deploy = fired;
  }
  // Fired but never gated (the process died in between): gate it now. Anything else was taken on already.
  if (deploy.state !== 'requested' || deploy.gates !== undefined || !deploy.scheduledFor) return deploy;
  for (const older of await deps.repos.deploys.findByStates(['requested', 'queued', 'awaiting_approval'], {
    service: deploy.service,
    env: deploy.env,
  })) {
    if (older.id === deploy.id) continue;
    await supersedeDeploy(deps, older, `the scheduled deploy ${deploy.id} fired`);
  }
  const pre = deploy.preApproval;
  const progress =
    pre && pre.sha === deploy.sha && targetOf(deps, deploy).needsApproval
      ? await proceed(
          deps,
          deploy,
          { actor: SYSTEM_ACTOR },
          {
            patch: { approvedBy: pre.by, decidedAt: pre.at },
            reason: `approved in advance by ${pre.by.name} for ${shortSha(pre.sha)}`,
          },
        )
      : await proceed(deps, deploy, { actor: SYSTEM_ACTOR });
  return progress.deploy;
}

async function fire(deps: AppDeps, deploy: Deploy): Promise<Deploy | undefined> {
  const target = targetOf(deps, deploy);
  let sha = deploy.sha;
  let why = 'its time came';
  try {
    sha = await resolveSha(deps, target, deploy.ref);
  } catch (error) {
    // The ref is gone: it fires with the SHA it was scheduled for, which the gates judge as any other.
    deps.log.warn({ err: error, deployId: deploy.id }, 'scheduled ref no longer resolves');
  }
  if (sha !== deploy.sha) {
    why = `its time came; ${deploy.ref} moved from ${shortSha(deploy.sha)} to ${shortSha(sha)}`;
    if (deploy.preApproval) why += ': the approval given in advance is void';
  }
  return transition(
    deps,
    deploy,
    'fire',
    {
      sha,
      ...(await previousOf(deps, deploy.service, deploy.env)),
      ...(sha !== deploy.sha ? { outcomeReason: `Fired: ${why}.` } : {}),
    },
    { actor: SYSTEM_ACTOR, reason: why },
  );
}

function stillScheduled(deploy: Deploy): void {
  if (deploy.state === 'scheduled') return;
  throw new UserFacingError(
    'ALREADY_DECIDED',
    `Deploy ${deploy.id} is not scheduled any more (${deploy.state.replace('_', ' ')}).`,
  );
}

/** `/schedule cancel id` or Cancel on its card: the requester or an R5, before it fired. */
export async function cancelScheduled(deps: AppDeps, actor: Acting, deployId: string): Promise<Deploy> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canCancel(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  stillScheduled(deploy);
  const now = deps.clock.now();
  const cancelled = await transition(
    deps,
    deploy,
    'unschedule',
    { finishedAt: now, outcomeReason: `Cancelled by ${actor.name} before it fired.` },
    { actor },
  );
  if (!cancelled) stillScheduled(await loadDeploy(deps, deploy.id));
  // The job would find nothing to fire; removing it keeps /health's job counts honest.
  await deps.jobs.cancel(SCHEDULE_FIRE_JOB, { deployId: deploy.id }).catch(() => 0);
  await deps.outbox.drain(deploy.id);
  return loadDeploy(deps, deploy.id);
}

/**
 * Approve on a scheduled request's card (§15): an R5 other than the requester approves it in advance, once,
 * bound to the SHA it shows. At fire time the gates are evaluated again, and the approval counts only if the
 * ref still names that SHA.
 */
export async function approveInAdvance(deps: AppDeps, actor: Acting, deploy: Deploy): Promise<Progress> {
  const permission = canApprove(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (!targetOf(deps, deploy).needsApproval) {
    throw new UserFacingError('BAD_INPUT', `${deploy.env} needs no approval: it dispatches when it fires.`);
  }
  const by = { id: actor.id, name: actor.name };
  const moved = await annotate(
    deps,
    deploy,
    'preApprove',
    { preApproval: { by, sha: deploy.sha, at: deps.clock.now() } },
    { actor, reason: `approved in advance for ${shortSha(deploy.sha)}` },
  );
  if (!moved) {
    const latest = await loadDeploy(deps, deploy.id);
    stillScheduled(latest);
    throw new UserFacingError(
      'ALREADY_DECIDED',
      `Deploy ${deploy.id} was already approved in advance by ${latest.preApproval?.by.name ?? 'someone'}.`,
    );
  }
  return settled(deps, moved, deploy);
}

/** `/schedule list`: requests still waiting for their time, soonest first. */
export async function listScheduled(deps: AppDeps, service?: string): Promise<Deploy[]> {
  const waiting = await deps.repos.deploys.findByStates(['scheduled'], service ? { service } : {});
  return waiting.sort((a, b) => Number(a.scheduledFor) - Number(b.scheduledFor));
}
