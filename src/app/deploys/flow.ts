import { fromStatesOf, toStateOf, type DeployEvent } from '../../domain/deploy-state.js';
import { newId } from '../../domain/ids.js';
import type { Actor, AuditEntry, Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import type { DeployPatch } from '../ports/repositories.js';

export interface AuditNote {
  readonly actor: Actor;
  readonly reason?: string;
  readonly details?: AuditEntry['details'];
}

/**
 * The only way a deploy's state changes: the event's allowed `from` states and `to` state come from the
 * state machine's table, the write is one atomic conditional update, and every change is audited (§10).
 * Returns undefined when someone else moved the deploy first (the caller lost the race; nothing was written).
 */
export async function move(
  deps: AppDeps,
  deploy: Deploy,
  event: DeployEvent,
  patch: Omit<DeployPatch, 'state'>,
  note: AuditNote,
): Promise<Deploy | undefined> {
  const now = deps.clock.now();
  const updated = await deps.repos.deploys.transition(
    deploy.id,
    fromStatesOf(event),
    { ...patch, state: toStateOf(event) },
    now,
  );
  if (!updated) return undefined;
  await audit(deps, updated, `deploy.${event}`, note);
  deps.log.info(
    { deployId: updated.id, service: updated.service, env: updated.env, event, state: updated.state },
    'deploy moved',
  );
  return updated;
}

export async function audit(deps: AppDeps, deploy: Deploy, action: string, note: AuditNote): Promise<void> {
  await deps.repos.audit.append({
    id: newId('A'),
    at: deps.clock.now(),
    actor: note.actor,
    action,
    service: deploy.service,
    env: deploy.env,
    sha: deploy.sha,
    ...(deploy.version ? { version: deploy.version } : {}),
    deployId: deploy.id,
    outcome: deploy.state,
    ...(note.reason ? { reason: note.reason } : {}),
    ...(note.details ? { details: note.details } : {}),
  });
}

/** Re-renders the card from the record; a Discord hiccup is logged, never fatal to the flow. */
export async function syncCard(
  deps: AppDeps,
  deploy: Deploy,
  extra?: Parameters<AppDeps['notifier']['syncCard']>[1],
): Promise<void> {
  try {
    // Always render the newest record: an older snapshot must never overwrite a newer state on the card.
    const latest = (await deps.repos.deploys.get(deploy.id)) ?? deploy;
    await deps.notifier.syncCard(latest, extra);
  } catch (error) {
    deps.log.warn({ err: error, deployId: deploy.id }, 'could not update the deploy card');
  }
}
