import { UserFacingError } from '../../domain/errors.js';
import type { Actor, Approval, Deploy } from '../../domain/model.js';
import { canApprove, canCancel, canRejectDeploy, canResume, type RoleActor } from '../../domain/roles.js';
import type { AppDeps } from '../ports/deps.js';
import { annotate, transition } from '../pipeline/transition.js';
import { lookAheadVersion } from '../pipeline/version.js';
import { approveInAdvance, cancelScheduled } from '../continuous/schedule.js';
import { loadDeploy, rolesFor } from './context.js';
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

/** Why "Deploy now" does nothing: the request is not waiting for its requester. */
function resumeMessage(deploy: Deploy): string {
  if (deploy.state === 'awaiting_approval')
    return `Deploy ${deploy.id} is already waiting for an R5's approval.`;
  if (deploy.state === 'queued') {
    return `Deploy ${deploy.id} is still waiting: ${deploy.waitingFor?.reason ?? 'the way is not clear yet'}`;
  }
  return stateMessage(deploy);
}

/**
 * Approve (button or `/approve id`, §4.3, §16): an R5 other than the requester, with roles read live, once
 * the requester ticked the checklist. Gates are evaluated again. Each approval is one conditional update
 * of the approval record (counted once per person, never beyond the N the env asks for); the vote that
 * completes it closes the record, which exactly one caller wins, so N R5s clicking at once, or one clicking
 * twice, give exactly one `approve` and one dispatch.
 */
export async function approveDeploy(deps: AppDeps, actor: Acting, deployId: string): Promise<Progress> {
  const deploy = await loadDeploy(deps, deployId);
  // Scheduled deploys (§15): Approve before it fired is an approval in advance, bound to the SHA.
  if (deploy.state === 'scheduled') return approveInAdvance(deps, actor, deploy);
  const permission = canApprove(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
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
  const required = requiredOf(approval);
  if (votedBy(approval, actor)) throw alreadyVoted(deploy, approval);
  const open = openItems(approval);
  if (open.length > 0) {
    throw new UserFacingError(
      'CHECKLIST_INCOMPLETE',
      `Not yet: ${deploy.requestedBy.name} has ${open.length} checklist item${open.length === 1 ? '' : 's'} to tick on the card first (${open.slice(0, 3).join('; ')}${open.length > 3 ? '; …' : ''}).`,
    );
  }

  // The version the dispatch needs is read from GitHub beside the gates, not after the approval.
  const version = lookAheadVersion(deps, deploy);
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

  // Read before the vote: the closing vote and the approval it owes stay one step apart, as without it.
  const known = await version;
  const by = { id: actor.id, name: actor.name };
  let latest = await deps.repos.approvals.addVote(deploy.id, { by, at: now }, { sha: deploy.sha, required });
  if (!latest) {
    // Not counted: this person's vote is already in (a double click), someone else decided, or every vote
    // is in but the record was not closed yet (a crash in between): then this click closes it.
    const seen = await deps.repos.approvals.get(deploy.id);
    if (seen && votedBy(seen, actor)) throw alreadyVoted(deploy, seen);
    if (seen?.status !== 'pending' || countOf(seen) < required) throw await decidedMeanwhile(deps, deploy);
    latest = seen;
  } else if (countOf(latest) < required) {
    const approvals = countOf(latest);
    const counted = await annotate(
      deps,
      deploy,
      'approvalCounted',
      {},
      { actor, details: { approvals, required } },
    );
    // The deploy moved on meanwhile (withdrawn, superseded): say so rather than report a vote for nothing.
    if (!counted) throw await decidedMeanwhile(deps, deploy);
    await deps.outbox.drain(counted.id);
    return { kind: 'approval-counted', deploy: counted, approvals, required };
  }

  const decided = await deps.repos.approvals.decide(deploy.id, 'approved', { by, at: now });
  if (!decided) throw await decidedMeanwhile(deps, deploy);
  // The approval owes the dispatch in the same write: a crash now leaves it to the outbox job.
  const votes = decided.votes ?? [];
  const approvers = votes.map((v) => v.by.name).join(', ');
  // The approver of record is whoever cast the last vote (the closer of a record left open did not vote).
  const approvedBy = votes.at(-1)?.by ?? by;
  const approved = await transition(
    deps,
    deploy,
    'approve',
    { approvedBy, decidedAt: now, gates: check.lines, ...known },
    { actor, ...(required > 1 ? { details: { approvals: required, approvers } } : {}) },
  );
  if (!approved) throw await decidedMeanwhile(deps, deploy);
  return settled(deps, approved, deploy);
}

/** Refusal of a click that lost a race: says where the deploy is now, not where the click found it. */
async function decidedMeanwhile(deps: AppDeps, deploy: Deploy): Promise<UserFacingError> {
  const current = (await deps.repos.deploys.get(deploy.id)) ?? deploy;
  if (current.state === 'awaiting_approval') {
    // The other click closed the approval and is writing the change it owes this very moment.
    const approval = await deps.repos.approvals.get(deploy.id);
    if (approval?.status === 'approved') {
      const who = approval.decidedBy ? ` by ${approval.decidedBy.name}` : '';
      return new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} was already approved${who}.`);
    }
  }
  return new UserFacingError('ALREADY_DECIDED', stateMessage(current));
}

// Records older than N-of-M approvals (§16) carry neither: one approval needed, none counted yet.
function requiredOf(approval: Approval): number {
  return approval.required ?? 1;
}

function countOf(approval: Approval): number {
  return approval.voteCount ?? 0;
}

function votedBy(approval: Approval, actor: Actor): boolean {
  return (approval.votes ?? []).some((vote) => vote.by.id === actor.id);
}

function alreadyVoted(deploy: Deploy, approval: Approval): UserFacingError {
  const required = requiredOf(approval);
  const count = countOf(approval);
  const more = Math.max(0, required - count);
  return new UserFacingError(
    'ALREADY_DECIDED',
    more > 0
      ? `You already approved ${deploy.id} (${count}/${required}); it needs ${more} more R5${more === 1 ? '' : 's'}, not you again.`
      : `You already approved ${deploy.id}.`,
  );
}

/** The checklist items the requester has not ticked yet, as people read them. */
function openItems(approval: Approval): string[] {
  return (approval.checklist ?? []).filter((item) => !item.tickedBy).map((item) => item.text);
}

export async function rejectDeploy(deps: AppDeps, actor: Acting, deployId: string): Promise<Deploy> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canRejectDeploy(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const now = deps.clock.now();
  const decided = await deps.repos.approvals.decide(deploy.id, 'rejected', {
    by: { id: actor.id, name: actor.name },
    at: now,
  });
  if (!decided) throw await decidedMeanwhile(deps, deploy);
  const rejected = await transition(
    deps,
    deploy,
    'reject',
    { decidedAt: now, finishedAt: now, outcomeReason: `Rejected by ${actor.name}.` },
    { actor },
  );
  if (!rejected) throw await decidedMeanwhile(deps, deploy);
  await deps.outbox.drain(rejected.id);
  return rejected;
}

/** The requester (or an R5) withdraws a request that has not been dispatched. */
export async function cancelRequest(deps: AppDeps, actor: Acting, deployId: string): Promise<Deploy> {
  const deploy = await loadDeploy(deps, deployId);
  if (deploy.state === 'scheduled') return cancelScheduled(deps, actor, deployId);
  const permission = canCancel(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (!['requested', 'queued', 'awaiting_approval'].includes(deploy.state)) {
    throw new UserFacingError('ALREADY_DECIDED', stateMessage(deploy));
  }
  const now = deps.clock.now();
  const voided = await deps.repos.approvals.decide(deploy.id, 'void', { at: now, voidReason: 'cancelled' });
  // An R5 who closed the approval first wins: the deploy is on its way (the cancel event would still take
  // it from `dispatched`), so the withdrawal is refused rather than a live run recorded as cancelled.
  const closed = voided ? undefined : await deps.repos.approvals.get(deploy.id);
  if (closed?.status === 'approved') {
    const by = closed.decidedBy ? ` by ${closed.decidedBy.name}` : '';
    throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} was already approved${by}.`);
  }
  const cancelled = await transition(
    deps,
    deploy,
    'cancel',
    { finishedAt: now, outcomeReason: `Cancelled by ${actor.name}.` },
    { actor },
  );
  if (!cancelled) throw await decidedMeanwhile(deps, deploy);
  await deps.outbox.drain(cancelled.id);
  return cancelled;
}

/** "Deploy now" on a re-offered queued request: its requester takes it through the gates again. */
export async function resumeRequest(deps: AppDeps, actor: Acting, deployId: string): Promise<Progress> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canResume(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (deploy.state !== 'requested') throw new UserFacingError('ALREADY_DECIDED', resumeMessage(deploy));
  return proceed(deps, deploy, { actor });
}
