import { UserFacingError } from '../../domain/errors.js';
import type { Actor, Approval, ChecklistItem } from '../../domain/model.js';
import { canTickChecklist, type RoleActor } from '../../domain/roles.js';
import type { AppDeps } from '../ports/deps.js';
import { annotate } from '../pipeline/transition.js';
import { loadDeploy, rolesFor } from './context.js';

/**
 * The requester ticks a checklist item on the card (§16): once per item, by one conditional update of the
 * approval record; the change owes the card (who ticked what and when) and its audit entry. The approvers'
 * buttons stay disabled until every item is ticked, and approveDeploy refuses before that.
 */
export async function tickChecklistItem(
  deps: AppDeps,
  actor: Actor & RoleActor,
  deployId: string,
  index: number,
): Promise<{ item: ChecklistItem; approval: Approval }> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canTickChecklist(actor, rolesFor(deps, deploy.service), deploy.requestedBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const approval = await deps.repos.approvals.get(deploy.id);
  if (deploy.state !== 'awaiting_approval' || approval?.status !== 'pending') {
    throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} is not waiting for its checklist.`);
  }
  const item = approval.checklist?.[index];
  if (!item)
    throw new UserFacingError('BAD_INPUT', `Deploy ${deploy.id} has no checklist item ${index + 1}.`);
  if (item.tickedBy) throw alreadyTicked(index, item.tickedBy);
  const by = { id: actor.id, name: actor.name };
  const ticked = await deps.repos.approvals.tick(deploy.id, index, by, deps.clock.now());
  const now = ticked?.checklist?.[index];
  if (!ticked || !now) {
    const seen = (await deps.repos.approvals.get(deploy.id))?.checklist?.[index];
    if (seen?.tickedBy) throw alreadyTicked(index, seen.tickedBy);
    throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} is not waiting for its checklist.`);
  }
  const changed = await annotate(
    deps,
    deploy,
    'checklistTicked',
    {},
    { actor, reason: item.text, details: { item: index + 1, of: ticked.checklist.length } },
  );
  if (changed) await deps.outbox.drain(changed.id);
  return { item: now, approval: ticked };
}

function alreadyTicked(index: number, by: Actor): UserFacingError {
  return new UserFacingError(
    'ALREADY_DECIDED',
    `Checklist item ${index + 1} was already ticked by ${by.name}.`,
  );
}
