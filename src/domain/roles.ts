/**
 * Who may do what (SPEC §3), as pure functions of the live roles. Roles are read from the interaction's
 * member at every step, so callers pass the roles as they are now, never as they were at request time.
 */

/** A person acting, with the role ids their guild member has right now. */
export interface RoleActor {
  readonly id: string;
  readonly roleIds: readonly string[];
}

/** The configured role ids (config `discord.roles`), with a service's own roles where it has them. */
export interface RoleIds {
  readonly r4: string;
  readonly r5: string;
  /** Per-service roles (§16): see `forService`. */
  readonly service?: ServiceRoles;
}

/**
 * A service's own roles (config `services.<name>.roles`): `requesters` count as R4 and `approvers` as R5
 * for that service, beside the global R4/R5, or instead of them with `replace`.
 */
export interface ServiceRoles {
  readonly requesters: readonly string[];
  readonly approvers: readonly string[];
  readonly replace: boolean;
}

/** The roles that decide about one service: the global ones with the service's own, if it has any. */
export function forService(
  roles: RoleIds,
  service: { readonly roles?: ServiceRoles | undefined } | undefined,
): RoleIds {
  const own = service?.roles;
  return own ? { r4: roles.r4, r5: roles.r5, service: own } : { r4: roles.r4, r5: roles.r5 };
}

/**
 * The roles whose members may approve for a service (each pinged when an approval is asked for): the global
 * R5 unless the service replaces it, then the service's own approvers, each once.
 */
export function approverRoles(roles: RoleIds): string[] {
  const own = roles.service;
  return [...new Set([...(own?.replace ? [] : [roles.r5]), ...(own?.approvers ?? [])])];
}

export type Rank = 'R5' | 'R4' | 'none';

export interface Denied {
  readonly ok: false;
  readonly code: 'NOT_ALLOWED';
  readonly reason: string;
}
export type Permission = { readonly ok: true } | Denied;

export type RollbackPermission =
  | {
      readonly ok: true;
      /** An R5 other than the requester must approve before dispatch. */
      readonly needsApproval: boolean;
      /** Dispatched without approval: an R5 other than the requester must acknowledge it afterwards. */
      readonly needsAcknowledgement: boolean;
    }
  | Denied;

const ALLOWED: Permission = { ok: true };
const deny = (reason: string): Denied => ({ ok: false, code: 'NOT_ALLOWED', reason });

/** The highest rank the actor holds: R5 outranks R4. */
export function rankOf(actor: RoleActor, roles: RoleIds): Rank {
  const own = roles.service;
  const holdsAny = (ids: readonly string[]) => ids.some((id) => actor.roleIds.includes(id));
  const global = !own?.replace;
  if ((global && actor.roleIds.includes(roles.r5)) || holdsAny(own?.approvers ?? [])) return 'R5';
  if ((global && actor.roleIds.includes(roles.r4)) || holdsAny(own?.requesters ?? [])) return 'R4';
  return 'none';
}

const isR5 = (actor: RoleActor, roles: RoleIds): boolean => rankOf(actor, roles) === 'R5';
const isR4OrR5 = (actor: RoleActor, roles: RoleIds): boolean => rankOf(actor, roles) !== 'none';

/** `/deploy` to any env (staging or a prod request): R4 or R5. */
export function canRequestDeploy(actor: RoleActor, roles: RoleIds): Permission {
  return isR4OrR5(actor, roles) ? ALLOWED : deny('You need the R4 or R5 role to request a deploy');
}

/** Approve or reject a deploy: R5, and never the requester (four-eyes). */
export function canApprove(actor: RoleActor, roles: RoleIds, requesterId: string): Permission {
  if (!isR5(actor, roles)) return deny('You need the R5 role to approve');
  if (actor.id === requesterId) return deny('You cannot approve your own request (four-eyes rule)');
  return ALLOWED;
}

/**
 * "Deploy now" on a re-offered queued request: its requester, who must still hold R4 or R5 (roles are read
 * again at the click: a role removed since the request takes the right away).
 */
export function canResume(actor: RoleActor, roles: RoleIds, requesterId: string): Permission {
  if (actor.id !== requesterId) return deny('Only the requester can resume this deploy');
  return canRequestDeploy(actor, roles);
}

/**
 * Cancel or re-run a workflow run in flight: R4 or R5 where no approval is needed (staging), R5 where a
 * deploy needs one (prod).
 */
export function canControlRun(actor: RoleActor, roles: RoleIds, envNeedsApproval: boolean): Permission {
  if (envNeedsApproval)
    return isR5(actor, roles) ? ALLOWED : deny('You need the R5 role to control this run');
  return isR4OrR5(actor, roles) ? ALLOWED : deny('You need the R4 or R5 role to control this run');
}

/**
 * The Rollback button on a failed or faulty card: anyone who may request a rollback may press it; the click
 * of an R5 who did not request the deploy being rolled back is also its approval (four-eyes kept), anyone
 * else's click asks for one.
 */
export function rollbackClickApproves(actor: RoleActor, roles: RoleIds, requesterId: string): boolean {
  return isR5(actor, roles) && actor.id !== requesterId;
}

/** Reject follows the same rule as approve. */
export function canRejectDeploy(actor: RoleActor, roles: RoleIds, requesterId: string): Permission {
  if (!isR5(actor, roles)) return deny('You need the R5 role to reject');
  if (actor.id === requesterId)
    return deny('You cannot reject your own request (four-eyes rule); cancel it instead');
  return ALLOWED;
}

/** Withdraw a request that is not dispatched yet: its requester, or any R5. */
export function canCancel(actor: RoleActor, roles: RoleIds, requesterId: string): Permission {
  if (actor.id === requesterId || isR5(actor, roles)) return ALLOWED;
  return deny('Only the requester or an R5 can cancel this request');
}

/** `/freeze start|schedule|lift`. */
export function canFreeze(actor: RoleActor, roles: RoleIds): Permission {
  return isR5(actor, roles) ? ALLOWED : deny('You need the R5 role to manage freezes');
}

/** `/maintenance on|off`. */
export function canToggleMaintenance(actor: RoleActor, roles: RoleIds): Permission {
  return isR5(actor, roles) ? ALLOWED : deny('You need the R5 role to change maintenance mode');
}

/** Deploy through a freeze (emergency). The rollback plan itself is checked where the modal is read. */
export function canOverrideFreeze(actor: RoleActor, roles: RoleIds): Permission {
  return isR5(actor, roles) ? ALLOWED : deny('You need the R5 role to override a freeze');
}

/**
 * `/rollback`: R4 or R5 may request one, which then needs an R5's approval. `emergency` skips the
 * approval but only once an incident is declared (for R5s too: otherwise it would be a way around
 * four-eyes), and is then owed an R5's acknowledgement.
 */
export function canRollback(
  actor: RoleActor,
  roles: RoleIds,
  options: { readonly emergency: boolean; readonly incidentDeclared: boolean },
): RollbackPermission {
  if (!isR4OrR5(actor, roles)) return deny('You need the R4 or R5 role to request a rollback');
  if (!options.emergency) return { ok: true, needsApproval: true, needsAcknowledgement: false };
  if (!options.incidentDeclared) return deny('An emergency rollback needs a declared incident');
  return { ok: true, needsApproval: false, needsAcknowledgement: true };
}

/**
 * Whether a request waits for an R5's approval before dispatch (§3). A deploy: where its env asks for one
 * (prod, or `requiresApproval`). A rollback: on every env, staging included, unless it is an emergency, which
 * is acknowledged by an R5 afterwards instead. The requester's rank never lifts it (four-eyes: an R5's own
 * request needs another R5).
 */
export function approvalRequired(request: {
  readonly kind: 'deploy' | 'rollback';
  readonly envNeedsApproval: boolean;
  readonly emergency: boolean;
}): boolean {
  if (request.kind === 'rollback') return !request.emergency;
  return request.envNeedsApproval;
}

/** Acknowledge an emergency rollback afterwards: R5, and not the one who ran it (four-eyes, late). */
export function canAcknowledgeEmergency(actor: RoleActor, roles: RoleIds, requesterId: string): Permission {
  if (!isR5(actor, roles)) return deny('You need the R5 role to acknowledge an emergency rollback');
  if (actor.id === requesterId) {
    return deny('You cannot acknowledge your own emergency rollback (four-eyes rule)');
  }
  return ALLOWED;
}

/** The "Verified" button of post-deploy verification: R4 or R5. */
export function canVerify(actor: RoleActor, roles: RoleIds): Permission {
  return isR4OrR5(actor, roles) ? ALLOWED : deny('You need the R4 or R5 role to verify a deploy');
}

/** `/health`, `/freeze list`, `/history`, `/audit`: anyone in the guild. */
export function canView(_actor: RoleActor, _roles: RoleIds): Permission {
  return ALLOWED;
}

// Locks, /status and the table of every action (§16).

/**
 * Who may do each action, as one table: the rank needed, and how the requester (or a lock's owner) stands.
 * `requester`: 'never' — not the requester (four-eyes); 'only' — the requester alone; 'or-R5' — the
 * requester (or owner) with the rank, or any R5; 'any' — the requester is nobody special. The functions
 * above and below answer these rules; test/unit/domain/permission-matrix.test.ts holds each command and
 * button to this table.
 */
export const PERMISSIONS = {
  deploy: { rank: 'R4', requester: 'any' },
  approve: { rank: 'R5', requester: 'never' },
  reject: { rank: 'R5', requester: 'never' },
  cancel: { rank: 'none', requester: 'or-R5' },
  deployNow: { rank: 'R4', requester: 'only' },
  rollback: { rank: 'R4', requester: 'any' },
  acknowledge: { rank: 'R5', requester: 'never' },
  /** Cancel or re-run a run in flight: where no approval is needed, and where one is (see canControlRun). */
  controlRun: { rank: 'R4', requester: 'any' },
  controlApprovedRun: { rank: 'R5', requester: 'any' },
  verify: { rank: 'R4', requester: 'any' },
  freeze: { rank: 'R5', requester: 'any' },
  maintenance: { rank: 'R5', requester: 'any' },
  override: { rank: 'R5', requester: 'any' },
  smokeRun: { rank: 'R5', requester: 'any' },
  lock: { rank: 'R4', requester: 'any' },
  unlock: { rank: 'R4', requester: 'or-R5' },
  lockAll: { rank: 'R5', requester: 'any' },
  unlockAll: { rank: 'R5', requester: 'any' },
  view: { rank: 'none', requester: 'any' },
  tickChecklist: { rank: 'R4', requester: 'only' },
  controlRollout: { rank: 'R4', requester: 'any' },
} as const satisfies Record<string, { rank: Rank; requester: 'never' | 'only' | 'or-R5' | 'any' }>;
export type Action = keyof typeof PERMISSIONS;

const RANK_ORDER: Readonly<Record<Rank, number>> = { none: 0, R4: 1, R5: 2 };

/** Whether someone of `rank` (the requester or owner, or not) may do `action`, by the table. */
export function allows(action: Action, rank: Rank, isRequester: boolean): boolean {
  const rule = PERMISSIONS[action];
  const ranked = RANK_ORDER[rank] >= RANK_ORDER[rule.rank];
  switch (rule.requester) {
    case 'never':
      return ranked && !isRequester;
    case 'only':
      return ranked && isRequester;
    case 'or-R5':
      return (ranked && isRequester) || rank === 'R5';
    case 'any':
      return ranked;
  }
}

function byTable(
  action: Action,
  reason: string,
  actor: RoleActor,
  roles: RoleIds,
  owner = false,
): Permission {
  return allows(action, rankOf(actor, roles), owner) ? ALLOWED : deny(reason);
}

/** `/lock service env`: R4 or R5 (for that service). */
export function canLock(actor: RoleActor, roles: RoleIds): Permission {
  return byTable('lock', 'You need the R4 or R5 role to lock an environment', actor, roles);
}

/** `/unlock service env`: the lock's owner (still R4 or R5), or any R5. */
export function canUnlock(actor: RoleActor, roles: RoleIds, ownerId: string): Permission {
  return byTable(
    'unlock',
    'Only the one who locked it (with the R4 or R5 role) or an R5 can unlock it',
    actor,
    roles,
    actor.id === ownerId,
  );
}

/** `/lock all`: R5. */
export function canLockAll(actor: RoleActor, roles: RoleIds): Permission {
  return byTable('lockAll', 'You need the R5 role to lock every environment', actor, roles);
}

/** `/unlock all`: R5. */
export function canUnlockAll(actor: RoleActor, roles: RoleIds): Permission {
  return byTable('unlockAll', 'You need the R5 role to lift the global lock', actor, roles);
}

// Approvals and policy (§16).

/** Tick a checklist item on the card: the requester, who must still hold R4 or R5. */
export function canTickChecklist(actor: RoleActor, roles: RoleIds, requesterId: string): Permission {
  if (actor.id !== requesterId) return deny('Only the requester ticks the checklist of this deploy');
  return byTable('tickChecklist', 'You need the R4 or R5 role to tick the checklist', actor, roles, true);
}

// Progressive rollout (§15).
/** Promote, Pause/Resume or Abort a rollout from its card: R4 or R5 (audited). */
export function canControlRollout(actor: RoleActor, roles: RoleIds): Permission {
  return byTable('controlRollout', 'You need the R4 or R5 role to control a rollout', actor, roles);
}
