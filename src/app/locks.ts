import { UserFacingError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { ALL_TARGETS, SYSTEM_ACTOR, type Actor, type Lock } from '../domain/model.js';
import { canLock, canLockAll, canUnlock, canUnlockAll, type RoleActor } from '../domain/roles.js';
import { clampReason, formatLocalTime } from '../domain/text.js';
import { isGlobal } from './lock-state.js';
import { resolveTarget, rolesFor } from './deploys/context.js';
import { offerQueued } from './deploys/queue.js';
import { announce } from './ops-effects.js';
import type { AppDeps } from './ports/deps.js';

type Acting = Actor & RoleActor;

/** The longest a lock may be given a ttl for: longer is a standing lock, lifted by hand. */
export const MAX_LOCK_TTL_MS = 30 * 24 * 3_600_000;

async function auditLock(deps: AppDeps, lock: Lock, action: string, actor: Actor): Promise<void> {
  await deps.repos.audit.append({
    id: newId('A'),
    at: deps.clock.now(),
    actor,
    action,
    ...(isGlobal(lock) ? {} : { service: lock.service, env: lock.env }),
    reason: lock.reason,
    details: {
      kind: lock.kind,
      owner: lock.createdBy.name,
      ...(lock.expiresAt ? { expiresAt: lock.expiresAt.toISOString() } : {}),
    },
  });
}

/**
 * Removes the locks whose time is up, then announces, audits and offers the queue of each (the lock-expiry
 * job runs it every few seconds; commands run it before they read the locks). Returns the expired locks.
 */
export async function expireLocks(deps: AppDeps): Promise<Lock[]> {
  const expired = await deps.repos.locks.removeExpired(deps.clock.now());
  for (const lock of expired) {
    await auditLock(deps, lock, 'lock.expired', SYSTEM_ACTOR);
    deps.log.info({ service: lock.service, env: lock.env }, 'lock expired');
    const offered = isGlobal(lock)
      ? await offerQueued(deps)
      : await offerQueued(deps, lock.service, lock.env);
    await announce(deps, { kind: 'unlocked', lock, by: undefined, offered });
  }
  return expired;
}

async function take(deps: AppDeps, lock: Lock, taken: string): Promise<Lock> {
  await expireLocks(deps);
  if (!(await deps.repos.locks.acquire(lock))) {
    const held = (await deps.repos.locks.list({ service: lock.service, env: lock.env })).find(
      (l) => l.kind === 'manual',
    );
    const since = held
      ? ` by ${held.createdBy.name} since ${formatLocalTime(held.createdAt, deps.config.timezone)}`
      : '';
    throw new UserFacingError('ALREADY_DECIDED', `${taken} is already locked${since}.`);
  }
  await auditLock(deps, lock, 'lock.taken', lock.createdBy);
  deps.log.info({ service: lock.service, env: lock.env, by: lock.createdBy.id }, 'lock taken');
  await announce(deps, { kind: 'locked', lock });
  return lock;
}

function reasonOf(text: string): string {
  const reason = clampReason(text);
  if (reason.length < 3) throw new UserFacingError('BAD_INPUT', 'Give a reason (a few words).');
  return reason;
}

/** `/lock service env reason [ttl]` (R4/R5): requests to the env wait in its queue until it is unlocked. */
export async function lockEnv(
  deps: AppDeps,
  actor: Acting,
  request: { service: string; env: string; reason: string; ttlMs?: number },
): Promise<Lock> {
  const target = resolveTarget(deps, request.service, request.env);
  const permission = canLock(actor, rolesFor(deps, target.service));
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (request.ttlMs !== undefined && (request.ttlMs <= 0 || request.ttlMs > MAX_LOCK_TTL_MS)) {
    throw new UserFacingError('BAD_INPUT', 'The ttl must be more than 0 and at most 30 days.');
  }
  const now = deps.clock.now();
  return take(
    deps,
    {
      service: target.service,
      env: target.env,
      kind: 'manual',
      reason: reasonOf(request.reason),
      createdBy: { id: actor.id, name: actor.name },
      createdAt: now,
      ...(request.ttlMs !== undefined ? { expiresAt: new Date(now.getTime() + request.ttlMs) } : {}),
    },
    `${target.service} → ${target.env}`,
  );
}

/** `/lock all reason` (R5): every env of every service waits until `/unlock all`. */
export async function lockAll(deps: AppDeps, actor: Acting, reasonText: string): Promise<Lock> {
  const permission = canLockAll(actor, deps.config.discord.roles);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  return take(
    deps,
    {
      service: ALL_TARGETS,
      env: ALL_TARGETS,
      kind: 'manual',
      reason: reasonOf(reasonText),
      createdBy: { id: actor.id, name: actor.name },
      createdAt: deps.clock.now(),
    },
    'Every environment',
  );
}

async function release(deps: AppDeps, actor: Acting, lock: Lock): Promise<{ lock: Lock; offered: number }> {
  if (!(await deps.repos.locks.release(lock.service, lock.env, lock.kind))) {
    throw new UserFacingError('ALREADY_DECIDED', 'It was unlocked a moment ago.');
  }
  const by = { id: actor.id, name: actor.name };
  await auditLock(deps, lock, 'lock.released', by);
  deps.log.info({ service: lock.service, env: lock.env, by: by.id }, 'lock released');
  const offered = isGlobal(lock) ? await offerQueued(deps) : await offerQueued(deps, lock.service, lock.env);
  await announce(deps, { kind: 'unlocked', lock, by, offered });
  return { lock, offered };
}

/**
 * `/unlock service env`: its owner (R4/R5) or any R5. A manual lock first; a faulty deploy's lock (owned by
 * the bot) only by an R5. The queue of the env is offered at once.
 */
export async function unlockEnv(
  deps: AppDeps,
  actor: Acting,
  request: { service: string; env: string },
): Promise<{ lock: Lock; offered: number }> {
  const target = resolveTarget(deps, request.service, request.env);
  await expireLocks(deps);
  const locks = await deps.repos.locks.list({ service: target.service, env: target.env });
  const lock = locks.find((l) => l.kind === 'manual') ?? locks[0];
  if (!lock) throw new UserFacingError('NOT_FOUND', `${target.service} → ${target.env} is not locked.`);
  const permission = canUnlock(actor, rolesFor(deps, target.service), lock.createdBy.id);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  return release(deps, actor, lock);
}

/** `/unlock all` (R5): lifts the global lock; every queue is offered. */
export async function unlockAll(deps: AppDeps, actor: Acting): Promise<{ lock: Lock; offered: number }> {
  const permission = canUnlockAll(actor, deps.config.discord.roles);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  await expireLocks(deps);
  const [lock] = await deps.repos.locks.list({ service: ALL_TARGETS, env: ALL_TARGETS });
  if (!lock) throw new UserFacingError('NOT_FOUND', 'There is no global lock.');
  return release(deps, actor, lock);
}
