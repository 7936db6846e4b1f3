import { UserFacingError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Actor } from '../domain/model.js';
import { canToggleMaintenance, type RoleActor } from '../domain/roles.js';
import { clampReason, formatLocalTime } from '../domain/text.js';
import type { AppDeps } from './ports/deps.js';
import { offerQueued } from './deploys/queue.js';
import { knownEnvs } from './freezes.js';
import { announce, voidPendingApprovals } from './ops-effects.js';
import { MAINTENANCE_KEY, maintenanceState, type MaintenanceState } from './settings.js';

/**
 * `/maintenance on|off reason` (§7): R5. The state lives in settings, so it survives restarts. While on,
 * the MAINTENANCE gate refuses deploys, pending approvals are void, and non-critical jobs are skipped by the
 * scheduler; off offers the queued requests again. Both are posted and audited.
 */
export async function setMaintenance(
  deps: AppDeps,
  actor: Actor & RoleActor,
  on: boolean,
  reasonText: string,
): Promise<{ state: MaintenanceState; voided: number; offered: number }> {
  const permission = canToggleMaintenance(actor, deps.config.discord.roles);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const reason = clampReason(reasonText);
  if (reason.length < 3) throw new UserFacingError('BAD_INPUT', 'Give a reason (a few words).');
  const current = await maintenanceState(deps.repos.settings);
  if (on && current) {
    throw new UserFacingError(
      'ALREADY_DECIDED',
      `Maintenance is already on (since ${formatLocalTime(new Date(current.at), deps.config.timezone)}, by ${current.by.name}).`,
    );
  }
  if (!on && !current) throw new UserFacingError('ALREADY_DECIDED', 'Maintenance is already off.');

  const now = deps.clock.now();
  const by = { id: actor.id, name: actor.name };
  const state: MaintenanceState = { on, reason, by, at: now.toISOString() };
  await deps.repos.settings.set(MAINTENANCE_KEY, state, now);
  await deps.repos.audit.append({
    id: newId('A'),
    at: now,
    actor: by,
    action: on ? 'maintenance.on' : 'maintenance.off',
    reason,
  });
  deps.log.info({ on, by: by.id }, 'maintenance changed');
  const voided = on
    ? await voidPendingApprovals(deps, knownEnvs(deps), {
        code: 'MAINTENANCE',
        reason: `maintenance is on: ${reason}`,
        actor: by,
      })
    : 0;
  const offered = on ? 0 : await offerQueued(deps);
  await announce(deps, { kind: 'maintenance', on, reason, by, voided, offered });
  return { state, voided, offered };
}
