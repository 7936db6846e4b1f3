import { UserFacingError } from '../../domain/errors.js';
import type { Actor, Deploy } from '../../domain/model.js';
import { canApprove, canCancel, canRejectDeploy, canResume, type RoleActor } from '../../domain/roles.js';
import type { AppDeps } from '../ports/deps.js';
import { transition } from '../pipeline/transition.js';
import { approveInAdvance, cancelScheduled } from '../continuous/schedule.js';
import { loadDeploy } from './context.js';
import { checkGates, holdBack } from './gates.js';
import { proceed, settled, type Progress } from './proceed.js';

export { supersedeDeploy } from './supersede.js';

type Acting = Actor & RoleActor;

function stateMessage(deploy: Deploy): string {
  switch (deploy.state) {
    case 'approved':
    case 'dispatched':
    case 'running':
    case 'succeeded':
    case 'failed':
      return `Deploy ${deploy.id} was already approved${deploy.approvedBy ? ` by ${deploy.approvedBy.name}` : ''}.`;
    case 'rejected':
      return `Deploy ${deploy.id} was rejected.`;
    case 'expired':
      return `Deploy ${deploy.id} expired before anyone approved it.`;
    case 'superseded':
      return `Deploy ${deploy.id} was superseded by a newer request.`;
    case 'cancelled':
      return `Deploy ${deploy.id} was cancelled.`;
    default:
      return `Deploy ${deploy.id} is not waiting for an approval (${deploy.state.replace('_', ' ')}).`;
  }
}

/**
 * Approve (button or `/approve id`, §4.3): an R5 other than the requester, with roles read live. Gates are
 * evaluated again; the approval is consumed by one atomic conditional update, so two R5s clicking at once,
 * or one clicking twice, give exactly one dispatch.
 */
export async function approveDeploy(deps: AppDeps, actor: Acting, deployId: string): Promise<Progress> {
  const deploy = await loadDeploy(deps, deployId);
  // Scheduled deploys (§15): Approve before it fired is an approval in advance, bound to the SHA.
  if (deploy.state === 'scheduled') return approveInAdvance(deps, actor, deploy);
  const permission = canApprove(actor, deps.config.discord.roles, deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const approval = await deps.repos.approvals.get(deploy.id);
  if (deploy.state !== 'awaiting_approval' || approval?.status !== 'pending') {
    throw new UserFacingError('ALREADY_DECIDED', stateMessage(deploy));
  }
  const now = deps.clock.now();
  if (approval.expiresAt.getTime() <= now.getTime()) {
    throw new UserFacingError('EXPIRED', `The approval for ${deploy.id} has expired; ask for a new deploy.`);
  }
  if (approval.sha !== deploy.sha)
    throw new UserFacingError('ALREADY_DECIDED', 'This approval was for another commit.');

  const check = await checkGates(deps, deploy, { withCommits: false });
  if (check.blocking) {
    const voided = await deps.repos.approvals.decide(deploy.id, 'void', {
      at: now,
      voidReason: check.blocking.reason,
    });
    if (voided) {
      const moved = await holdBack(
        deps,
        deploy,
        { ...check, blocking: check.blocking },
        {
          actor,
          reason: `approval void: ${check.blocking.code}`,
        },
      );
      if (moved) await deps.outbox.drain(moved.id);
    }
    throw new UserFacingError(check.blocking.code, `Not approved: ${check.blocking.reason}`);
  }

  const decided = await deps.repos.approvals.decide(deploy.id, 'approved', {
    by: { id: actor.id, name: actor.name },
    at: now,
  });
  if (!decided) {
    const latest = (await deps.repos.deploys.get(deploy.id)) ?? deploy;
    throw new UserFacingError('ALREADY_DECIDED', stateMessage(latest));
  }
  // The approval owes the dispatch in the same write: a crash now leaves it to the outbox job.
  const approved = await transition(
    deps,
    deploy,
    'approve',
    { approvedBy: { id: actor.id, name: actor.name }, decidedAt: now, gates: check.lines },
    { actor },
  );
  if (!approved)
    throw new UserFacingError(
      'ALREADY_DECIDED',
      stateMessage((await deps.repos.deploys.get(deploy.id)) ?? deploy),
    );
  return settled(deps, approved, deploy);
}

export async function rejectDeploy(deps: AppDeps, actor: Acting, deployId: string): Promise<Deploy> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canRejectDeploy(actor, deps.config.discord.roles, deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const now = deps.clock.now();
  const decided = await deps.repos.approvals.decide(deploy.id, 'rejected', {
    by: { id: actor.id, name: actor.name },
    at: now,
  });
  if (!decided) throw new UserFacingError('ALREADY_DECIDED', stateMessage(deploy));
  const rejected = await transition(
    deps,
    deploy,
    'reject',
    { decidedAt: now, finishedAt: now, outcomeReason: `Rejected by ${actor.name}.` },
    { actor },
  );
  if (!rejected) throw new UserFacingError('ALREADY_DECIDED', stateMessage(deploy));
  await deps.outbox.drain(rejected.id);
  return rejected;
}

/** The requester (or an R5) withdraws a request that has not been dispatched. */
export async function cancelRequest(deps: AppDeps, actor: Acting, deployId: string): Promise<Deploy> {
  const deploy = await loadDeploy(deps, deployId);
  if (deploy.state === 'scheduled') return cancelScheduled(deps, actor, deployId);
  const permission = canCancel(actor, deps.config.discord.roles, deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (!['requested', 'queued', 'awaiting_approval'].includes(deploy.state)) {
    throw new UserFacingError('ALREADY_DECIDED', stateMessage(deploy));
  }
  const now = deps.clock.now();
  await deps.repos.approvals.decide(deploy.id, 'void', { at: now, voidReason: 'cancelled' });
  const cancelled = await transition(
    deps,
    deploy,
    'cancel',
    { finishedAt: now, outcomeReason: `Cancelled by ${actor.name}.` },
    { actor },
  );
  if (!cancelled)
    throw new UserFacingError(
      'ALREADY_DECIDED',
      stateMessage((await deps.repos.deploys.get(deploy.id)) ?? deploy),
    );
  await deps.outbox.drain(cancelled.id);
  return cancelled;
}

/** "Deploy now" on a re-offered queued request: its requester takes it through the gates again. */
export async function resumeRequest(deps: AppDeps, actor: Acting, deployId: string): Promise<Progress> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canResume(actor, deps.config.discord.roles, deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (deploy.state !== 'requested') throw new UserFacingError('ALREADY_DECIDED', stateMessage(deploy));
  return proceed(deps, deploy, { actor });
}
