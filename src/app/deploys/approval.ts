import type { Actor, Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import type { DeployPatch } from '../ports/repositories.js';
import { move, syncCard } from './flow.js';
import type { Progress } from './proceed.js';

export const APPROVAL_JOBS = { remind: 'approval-reminder', expire: 'approval-expiry' } as const;

/**
 * Posts the approval card (§4.2) and pings the R5 role once; a reminder job re-pings at half the expiry and
 * an expiry job closes it. The approval is bound to (service, env, SHA).
 */
export async function askForApproval(
  deps: AppDeps,
  deploy: Deploy,
  snapshot: Omit<DeployPatch, 'state'>,
  note: { actor: Actor },
): Promise<Progress> {
  const now = deps.clock.now();
  const expiry = deps.config.approval.expiry;
  const approval = await deps.repos.approvals.create({
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
  });
  const waiting = await move(deps, deploy, 'requestApproval', snapshot, { actor: note.actor });
  if (!waiting) return { kind: 'lost-race', deploy };
  await syncCard(deps, waiting, { approval, pingApprovers: true });
  await deps.jobs.schedule(
    APPROVAL_JOBS.remind,
    { deployId: deploy.id },
    { at: approval.repingAt, uniqueKey: `remind:${deploy.id}` },
  );
  await deps.jobs.schedule(
    APPROVAL_JOBS.expire,
    { deployId: deploy.id },
    { at: approval.expiresAt, uniqueKey: `expire:${deploy.id}` },
  );
  return { kind: 'awaiting_approval', deploy: (await deps.repos.deploys.get(deploy.id)) ?? waiting };
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
  const expired = await move(
    deps,
    deploy,
    'expire',
    { finishedAt: now, outcomeReason: 'No R5 approved it before it expired.' },
    {
      actor: { id: 'system', name: 'Release Console' },
      reason: 'approval expired',
    },
  );
  if (expired) await syncCard(deps, expired, { approval: closed });
}
