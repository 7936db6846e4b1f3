import { UserFacingError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { SYSTEM_ACTOR, type Actor, type CommitLine, type Deploy } from '../domain/model.js';
import {
  canAcknowledgeEmergency,
  canRollback,
  rollbackClickApproves,
  type RoleActor,
} from '../domain/roles.js';
import { clampReason, echoInput, shortSha } from '../domain/text.js';
import { audit } from './audit.js';
import { EMERGENCY_ACK_JOB } from './job-names.js';
import type { AppDeps } from './ports/deps.js';
import { loadDeploy, resolveTarget, rolesFor } from './deploys/context.js';
import { supersedeDeploy } from './deploys/supersede.js';
import { proceed, type Progress } from './deploys/proceed.js';
import { annotate } from './pipeline/transition.js';
import { isMaintenanceOn } from './settings.js';

export { EMERGENCY_ACK_JOB } from './job-names.js';

/**
 * `/rollback service env [to] [emergency]` and the card's Rollback button (§3, §8). A rollback is a deploy
 * record of kind 'rollback' for the old SHA (its own id, a new CalVer version), `rollbackOf` the deploy it
 * undoes, with the commits it reverts on its card. It goes through the normal flow: gates, R5 approval with
 * four-eyes, dispatch. `emergency` (an R4 or R5, during a declared incident: the flag is the declaration,
 * audited) skips the approval and dispatches at once; an R5 other than the requester must acknowledge it
 * afterwards, re-pinged by a job until done.
 */

type Acting = Actor & RoleActor;

export interface RollbackRequest {
  readonly actor: Acting;
  readonly service: string;
  readonly env: string;
  /** A version (vYYYY.MM.DD…) or a SHA to go back to; default: the last verified deploy before the current one. */
  readonly to?: string;
  readonly emergency?: boolean;
  readonly reason?: string;
  /** The deploy being rolled back (the card's button); default: the newest succeeded deploy of service+env. */
  readonly rollbackOf?: string;
}

async function findTarget(deps: AppDeps, current: Deploy, to: string | undefined): Promise<Deploy> {
  if (!to) {
    const target = await deps.repos.deploys.lastSucceeded(current.service, current.env, {
      verifiedOnly: true,
      before: current.createdAt,
    });
    if (!target) {
      throw new UserFacingError(
        'NOT_FOUND',
        `No verified deploy of ${current.service} to ${current.env} before ${current.version ?? current.id}: name one with \`to\`.`,
      );
    }
    return target;
  }
  const wanted = to.trim();
  const recent = await deps.repos.deploys.history({ service: current.service, env: current.env, limit: 200 });
  const ran = recent.filter((d) => d.state === 'succeeded' && d.id !== current.id);
  const byVersion = ran.find((d) => d.version === wanted);
  if (byVersion) return byVersion;
  const sha = wanted.toLowerCase();
  const bySha = sha.length >= 7 ? ran.find((d) => d.sha.startsWith(sha)) : undefined;
  if (bySha) return bySha;
  throw new UserFacingError(
    'UNKNOWN_REF',
    `"${echoInput(wanted, 60)}" is not a version or SHA that was deployed to ${current.service} ${current.env}.`,
  );
}

async function revertedCommits(
  deps: AppDeps,
  repo: string,
  target: Deploy,
  current: Deploy,
): Promise<CommitLine[]> {
  if (target.sha === current.sha) return [];
  try {
    const comparison = await deps.github.compare(repo, target.sha, current.sha);
    return comparison.commits.map((c) => ({ sha: c.sha, title: c.title, author: c.author }));
  } catch (error) {
    deps.log.warn({ err: error, deployId: current.id }, 'could not list the commits being reverted');
    return [];
  }
}

/** Creates the rollback record and takes it on: approval card, or (emergency / approving click) dispatch. */
export async function requestRollback(
  deps: AppDeps,
  request: RollbackRequest,
  options: { approvedByClick?: boolean } = {},
): Promise<{ deploy: Deploy; progress: Progress }> {
  const emergency = request.emergency ?? false;
  const permission = canRollback(request.actor, rolesFor(deps, request.service), {
    emergency,
    // The emergency flag is the incident declaration (audited below as incident.declared).
    incidentDeclared: emergency,
  });
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const target = resolveTarget(deps, request.service, request.env);
  const current = request.rollbackOf
    ? await loadDeploy(deps, request.rollbackOf)
    : await deps.repos.deploys.lastSucceeded(target.service, target.env);
  if (!current) {
    throw new UserFacingError(
      'NOT_FOUND',
      `Nothing has been deployed to ${target.service} ${target.env} yet.`,
    );
  }
  const goal = await findTarget(deps, current, request.to);
  const commits = await revertedCommits(deps, target.serviceConfig.repo, goal, current);
  const by = { id: request.actor.id, name: request.actor.name };
  const now = deps.clock.now();

  // A rollback takes precedence over requests still waiting for the same service and env.
  for (const older of await deps.repos.deploys.findByStates(['requested', 'queued', 'awaiting_approval'], {
    service: target.service,
    env: target.env,
  })) {
    await supersedeDeploy(deps, older, `rollback to ${shortSha(goal.sha)} requested`);
  }
  const what = `Rollback of ${current.version ?? current.id} to ${goal.version ?? shortSha(goal.sha)}`;
  const deploy = await deps.repos.deploys.create({
    id: newId('D'),
    kind: 'rollback',
    service: target.service,
    env: target.env,
    ref: goal.version ?? goal.sha,
    sha: goal.sha,
    state: 'requested',
    reason: clampReason(request.reason ? `${what}: ${request.reason}` : what),
    requestedBy: by,
    createdAt: now,
    rollbackOf: current.id,
    commits,
    ...(emergency ? { emergency: true } : {}),
  });
  await audit(deps, deploy, 'rollback.requested', {
    actor: by,
    reason: deploy.reason,
    details: { rollbackOf: current.id, commitsReverted: commits.length, emergency },
  });

  if (emergency) {
    await audit(deps, deploy, 'incident.declared', { actor: by, reason: 'emergency rollback' });
    // Gates still apply; the approval is what it skips. Its dispatch owes the acknowledgement requests.
    const progress = await proceed(deps, deploy, { actor: by }, { patch: {}, reason: 'emergency rollback' });
    return { deploy: progress.deploy, progress };
  }
  // The Rollback click of an R5 who did not request the faulty deploy is the approval (four-eyes kept).
  const progress = await proceed(
    deps,
    deploy,
    { actor: by },
    options.approvedByClick
      ? { patch: { approvedBy: by, decidedAt: now }, reason: 'approved by the R5 who clicked Rollback' }
      : undefined,
  );
  return { deploy: progress.deploy, progress };
}

/** The Rollback button on a failed or faulty card: the same as `/rollback service env` for that deploy. */
export async function rollbackFromCard(
  deps: AppDeps,
  actor: Acting,
  deployId: string,
): Promise<{ deploy: Deploy; progress: Progress }> {
  const deploy = await loadDeploy(deps, deployId);
  if (deploy.state !== 'failed' && deploy.verification !== 'faulty') {
    throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} is neither failed nor faulty.`);
  }
  const existing = await deps.repos.deploys.findByStates(
    ['requested', 'queued', 'awaiting_approval', 'approved', 'dispatched', 'running'],
    { service: deploy.service, env: deploy.env },
  );
  const underway = existing.find((d) => d.kind === 'rollback' && d.rollbackOf === deploy.id);
  if (underway) {
    throw new UserFacingError(
      'ALREADY_DECIDED',
      `Rollback ${underway.id} of ${deploy.id} is already underway.`,
    );
  }
  const isApprover = rollbackClickApproves(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  return requestRollback(
    deps,
    { actor, service: deploy.service, env: deploy.env, rollbackOf: deploy.id },
    { approvedByClick: isApprover },
  );
}

/** The emergency rollback still lacks an R5's acknowledgement. */
export function needsAcknowledgement(deploy: Deploy): boolean {
  return deploy.kind === 'rollback' && deploy.emergency === true && deploy.approvedBy === undefined;
}

/** "Acknowledge" on an emergency rollback: an R5 other than its requester, once; recorded as its approver. */
export async function acknowledgeEmergency(deps: AppDeps, actor: Acting, deployId: string): Promise<Deploy> {
  const deploy = await loadDeploy(deps, deployId);
  if (deploy.kind !== 'rollback' || !deploy.emergency) {
    throw new UserFacingError('NOT_FOUND', `Deploy ${deploy.id} is not an emergency rollback.`);
  }
  const permission = canAcknowledgeEmergency(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const by = { id: actor.id, name: actor.name };
  // One atomic step guarded by "no approver yet": two R5s clicking at once give one acknowledgement.
  const acknowledged = await annotate(deps, deploy, 'acknowledge', { approvedBy: by }, { actor: by }, [
    { kind: 'progress', event: { kind: 'acknowledged' } },
  ]);
  if (!acknowledged) {
    const latest = (await deps.repos.deploys.get(deploy.id)) ?? deploy;
    throw new UserFacingError(
      'ALREADY_DECIDED',
      `Already acknowledged by ${latest.approvedBy?.name ?? 'another R5'}.`,
    );
  }
  await deps.outbox.drain(deploy.id);
  return (await deps.repos.deploys.get(deploy.id)) ?? acknowledged;
}

/** The re-ping job: while unacknowledged, asks the R5s again at half the approval expiry (never in maintenance). */
export async function remindAcknowledgement(
  deps: AppDeps,
  deployId: string,
  round: number,
): Promise<boolean> {
  const deploy = await deps.repos.deploys.get(deployId);
  if (!deploy || !needsAcknowledgement(deploy)) return false;
  if (!(await isMaintenanceOn(deps.repos.settings))) {
    await deps.notifier.askAcknowledgement?.(deploy);
    await audit(deps, deploy, 'rollback.acknowledgement-requested', {
      actor: SYSTEM_ACTOR,
      details: { round },
    });
  }
  const at = new Date(deps.clock.now().getTime() + deps.config.approval.expiry / 2);
  await deps.jobs.schedule(
    EMERGENCY_ACK_JOB,
    { deployId, round: round + 1 },
    { at, uniqueKey: `ack:${deployId}:${round + 1}` },
  );
  return true;
}
