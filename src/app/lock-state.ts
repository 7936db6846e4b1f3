import type { GateInput } from '../domain/gates.js';
import { ALL_TARGETS, type Lock } from '../domain/model.js';
import type { AppDeps } from './ports/deps.js';

/** Locks as the gates and /status read them (§16); taking and lifting them is src/app/locks.ts. */

export function isGlobal(lock: Lock): boolean {
  return lock.service === ALL_TARGETS && lock.env === ALL_TARGETS;
}

/** Whether the lock still holds at `now`: a lock with an expiry ends by itself, whoever removes it later. */
export function inForce(lock: Lock, now: Date): boolean {
  return lock.expiresAt === undefined || lock.expiresAt.getTime() > now.getTime();
}

/** The locks that hold service+env now: the global one and its own (faulty, manual), expired ones left out. */
export async function locksOn(deps: AppDeps, service: string, env: string): Promise<Lock[]> {
  const now = deps.clock.now();
  const [global, own] = await Promise.all([
    deps.repos.locks.list({ service: ALL_TARGETS, env: ALL_TARGETS }),
    deps.repos.locks.list({ service, env }),
  ]);
  return [...global, ...own].filter((lock) => inForce(lock, now));
}

/** What the LOCKED gate says about a lock: a manual one names its owner and expiry. */
export function lockGateInput(lock: Lock): NonNullable<GateInput['lock']> {
  if (lock.kind === 'faulty') return { kind: lock.kind, reason: lock.reason };
  return {
    kind: lock.kind,
    reason: lock.reason,
    by: lock.createdBy.name,
    expiresAt: lock.expiresAt,
    global: isGlobal(lock),
  };
}
