import { SYSTEM_ACTOR, type Actor, type Approval, type Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import type { DeployPatch } from '../ports/repositories.js';
import { transition } from '../pipeline/transition.js';
import { targetOf } from './context.js';

export { APPROVAL_JOBS } from '../job-names.js';

/**
 * Asks for the approval (§4.2): the approval record bound to (service, env, SHA), then the change, which owes
 * the card with the one R5 ping and the reminder (half the expiry) and expiry jobs.
 */
export async function askForApproval(
  deps: AppDeps,
  deploy: Deploy,
  snapshot: Omit<DeployPatch, 'state'>,
  note: { actor: Actor },
): Promise<Deploy | undefined> {
  const now = deps.clock.now();
  const expiry = deps.config.approval.expiry;
  const policy = approvalPolicyOf(deps, deploy);
  const approval: Approval = {
    deployId: deploy.id,
    service: deploy.service,
    env: deploy.env,
    sha: deploy.sha,
    status: 'pending',
    requestedBy: deploy.requestedBy,
    requestedAt: now,
    expiresAt: new Date(now.getTime() + expiry),
    repingAt: new Date(now.getTime() + expiry / 2),
    repinged: false,
    required: policy.required,
    voteCount: 0,
    votes: [],
    ...(policy.checklist.length > 0 ? { checklist: policy.checklist.map((text) => ({ text })) } : {}),
  };
  // A request that was requeued asks again: its earlier approval (votes and ticks) is void, so it starts afresh.
  const earlier = await deps.repos.approvals.get(deploy.id);
  if (!earlier) await deps.repos.approvals.create(approval);
  else {
    if (earlier.status === 'pending') {
      await deps.repos.approvals.decide(deploy.id, 'void', { at: now, voidReason: 'asked again' });
    }
    if (!(await deps.repos.approvals.reopen(approval))) return undefined;
  }
  return transition(deps, deploy, 'requestApproval', snapshot, { actor: note.actor });
}

/**
 * How many R5s must approve and what the requester ticks first (§16), from the env's configuration. A
 * rollback needs one R5 and no checklist: it goes back to what already ran, and time to restore counts.
 */
export function approvalPolicyOf(
  deps: AppDeps,
  deploy: Deploy,
): { required: number; checklist: readonly string[] } {
  if (deploy.kind === 'rollback') return { required: 1, checklist: [] };
  const env = targetOf(deps, deploy).envConfig;
  return { required: env.approvals, checklist: env.checklist };
}

/** Half-time reminder: once, and only while the approval is still pending. */
export async function remindApprovers(deps: AppDeps, deployId: string): Promise<void> {
  const [deploy, approval] = await Promise.all([
    deps.repos.deploys.get(deployId),
    deps.repos.approvals.get(deployId),
  ]);
  if (!deploy || !approval || approval.status !== 'pending' || deploy.state !== 'awaiting_approval') return;
  if (!(await deps.repos.approvals.markRepinged(deployId))) return;
  await deps.notifier.remindApprovers(deploy, approval);
}

/** Expiry: a still-pending approval closes, the card says so, and it is audited. */
export async function expireApproval(deps: AppDeps, deployId: string): Promise<void> {
  const [deploy, approval] = await Promise.all([
    deps.repos.deploys.get(deployId),
    deps.repos.approvals.get(deployId),
  ]);
  if (!deploy || !approval || approval.status !== 'pending') return;
  const now = deps.clock.now();
  if (approval.expiresAt.getTime() > now.getTime()) return; // not yet: a clock skew between instances
  const closed = await deps.repos.approvals.decide(deployId, 'expired', { at: now });
  if (!closed) return;
  const expired = await transition(
    deps,
    deploy,
    'expire',
    { finishedAt: now, outcomeReason: 'No R5 approved it before it expired.' },
    { actor: SYSTEM_ACTOR, reason: 'approval expired' },
  );
  if (expired) await deps.outbox.drain(expired.id);
}
