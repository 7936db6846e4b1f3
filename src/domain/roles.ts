/**
 * Who may do what (SPEC §3), as pure functions of the live roles. Roles are read from the interaction's
 * member at every step, so callers pass the roles as they are now, never as they were at request time.
 */

/** A person acting, with the role ids their guild member has right now. */
export interface RoleActor {
  readonly id: string;
  readonly roleIds: readonly string[];
}

/** The configured role ids (config `discord.roles`). */
export interface RoleIds {
  readonly r4: string;
  readonly r5: string;
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
  if (actor.roleIds.includes(roles.r5)) return 'R5';
  if (actor.roleIds.includes(roles.r4)) return 'R4';
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

// Progressive rollout (§15).
/** Promote, Pause/Resume or Abort a rollout from its card: R4 or R5 (audited). */
export function canControlRollout(actor: RoleActor, roles: RoleIds): Permission {
  return isR4OrR5(actor, roles) ? ALLOWED : deny('You need the R4 or R5 role to control a rollout');
}
