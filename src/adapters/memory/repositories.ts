import { guardHolds } from '../../domain/deploy-effects.js';
import type { Approval, AuditEntry, Deploy, EffectRecord, Freeze, Lease, Lock } from '../../domain/model.js';
import type {
  ApprovalRepository,
  AuditRepository,
  DeployPatch,
  DeployRepository,
  FreezeRepository,
  LeaseRepository,
  LockRepository,
  Repositories,
  SettingsRepository,
} from '../../app/ports/repositories.js';

/**
 * In-memory repositories with the Mongo ones' semantics (conditional transitions, unique locks, newest-first
 * orderings), for unit tests and the sandbox. test/contract runs the same suites against both.
 * Records are copied in and out, so callers never share state with the store.
 */
export function createMemoryRepositories(): Repositories {
  return {
    deploys: memoryDeploys(),
    approvals: memoryApprovals(),
    freezes: memoryFreezes(),
    locks: memoryLocks(),
    audit: memoryAudit(),
    settings: memorySettings(),
    leases: memoryLeases(),
  };
}

const copy = <T>(value: T): T => structuredClone(value);

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Newest first by `key`, then by id descending, as the Mongo repositories sort. */
function newestFirst<T>(key: (item: T) => Date, id: (item: T) => string) {
  return (a: T, b: T) => key(b).getTime() - key(a).getTime() || (id(a) < id(b) ? 1 : id(a) > id(b) ? -1 : 0);
}

/** A tick before resolving, so concurrent callers interleave as they would against a database. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function duplicate(what: string): Error {
  return Object.assign(new Error(`E11000 duplicate key: ${what}`), { code: 11000 });
}

function memoryDeploys(): DeployRepository {
  const store = new Map<string, Deploy>();
  const byCreated = newestFirst<Deploy>(
    (d) => d.createdAt,
    (d) => d.id,
  );
  const put = (next: Deploy): Deploy => {
    store.set(next.id, next);
    return copy(next);
  };
  const write = (current: Deploy | undefined, patch: DeployPatch, now: Date) => {
    if (!current) return undefined;
    const next: Deploy = {
      ...current,
      ...withoutUndefined(copy(patch)),
      updatedAt: now,
      rev: current.rev + 1,
    };
    store.set(next.id, next);
    return copy(next);
  };
  const matching = (filter: { service?: string; env?: string }) =>
    [...store.values()].filter(
      (d) =>
        (filter.service === undefined || d.service === filter.service) &&
        (filter.env === undefined || d.env === filter.env),
    );
  return {
    async create(deploy) {
      await tick();
      if (store.has(deploy.id)) throw duplicate(`deploy ${deploy.id}`);
      const stored: Deploy = {
        ...withoutUndefined(copy(deploy)),
        updatedAt: deploy.createdAt,
        rev: 1,
      } as Deploy;
      store.set(stored.id, stored);
      return copy(stored);
    },
    async get(id) {
      await tick();
      return copy(store.get(id));
    },
    async apply(id, { guard, rev, patch, effects }, now) {
      await tick();
      const current = store.get(id);
      if (current?.rev !== rev || !guardHolds(current, guard)) return undefined;
      const added = Object.keys(effects).length > 0;
      const next = write(current, patch, now);
      if (!next || !added) return next;
      return put({ ...next, effects: { ...next.effects, ...copy(effects) }, outbox: true });
    },
    async claimOutbox(id, holder, until, now) {
      await tick();
      const current = store.get(id);
      if (!current) return undefined;
      const claim = current.outboxClaim;
      const tookOver =
        claim !== undefined &&
        (claim.until.getTime() < now.getTime() ||
          (claim.instance === holder.instance && claim.boot !== holder.boot));
      if (claim && !tookOver) return undefined;
      return { deploy: put({ ...current, outboxClaim: { ...holder, until } }), tookOver };
    },
    async renewOutbox(id, holder, until) {
      await tick();
      const current = store.get(id);
      if (current?.outboxClaim?.boot !== holder.boot) return false;
      put({ ...current, outboxClaim: { ...holder, until } });
      return true;
    },
    async settleEffect(id, key, holder, settlement, now) {
      await tick();
      const current = store.get(id);
      const effect = current?.effects?.[key];
      if (!current || !effect || current.outboxClaim?.boot !== holder.boot) return undefined;
      let next: EffectRecord;
      if (settlement.status === 'done') {
        if (effect.seq !== settlement.seq) return undefined;
        const { lastError: _lastError, ...rest } = effect;
        next = { ...rest, status: 'done', doneAt: now };
      } else {
        if (effect.status !== 'pending') return undefined;
        next =
          settlement.status === 'retry'
            ? {
                ...effect,
                attempts: settlement.attempts,
                notBefore: settlement.notBefore,
                lastError: settlement.error,
              }
            : { ...effect, status: 'gave_up', attempts: settlement.attempts, lastError: settlement.error };
      }
      return put({ ...current, effects: { ...current.effects, [key]: next } });
    },
    async releaseOutbox(id, holder, rev, outbox) {
      await tick();
      const current = store.get(id);
      if (current?.outboxClaim?.boot !== holder.boot || current.rev !== rev) return false;
      const { outboxClaim: _claim, ...rest } = current;
      put({ ...rest, outbox });
      return true;
    },
    async withPendingEffects(limit) {
      await tick();
      return copy(
        [...store.values()]
          .filter((d) => d.outbox === true)
          .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())
          .slice(0, limit),
      );
    },
    async update(id, patch, now) {
      await tick();
      return write(store.get(id), patch, now);
    },
    async findByStates(states, filter = {}) {
      await tick();
      return copy(
        matching(filter)
          .filter((d) => states.includes(d.state))
          .sort(byCreated),
      );
    },
    async history({ limit, ...filter }) {
      await tick();
      return copy(matching(filter).sort(byCreated).slice(0, limit));
    },
    async lastSucceeded(service, env, { sha, verifiedOnly, before } = {}) {
      await tick();
      const found = matching({ service, env })
        .filter(
          (d) =>
            d.state === 'succeeded' &&
            (sha === undefined || d.sha === sha) &&
            (!verifiedOnly || d.verification === 'verified') &&
            (!before || d.createdAt < before),
        )
        .sort(byCreated)[0];
      return copy(found);
    },
    async findByRunId(runId) {
      await tick();
      return copy([...store.values()].filter((d) => d.runId === runId).sort(byCreated)[0]);
    },
    async liveSince({ env, service, since }) {
      await tick();
      return copy(
        matching({ env, ...(service === undefined ? {} : { service }) })
          .filter((d) => d.state === 'succeeded' && d.finishedAt !== undefined && d.finishedAt >= since)
          .sort((a, b) => Number(a.finishedAt) - Number(b.finishedAt) || a.id.localeCompare(b.id)),
      );
    },
  };
}

function memoryApprovals(): ApprovalRepository {
  const store = new Map<string, Approval>();
  return {
    async create(approval) {
      await tick();
      if (store.has(approval.deployId)) throw duplicate(`approval ${approval.deployId}`);
      store.set(approval.deployId, withoutUndefined(copy(approval)) as Approval);
      return copy(approval);
    },
    async get(deployId) {
      await tick();
      return copy(store.get(deployId));
    },
    async decide(deployId, status, { by, at, voidReason }) {
      await tick();
      const current = store.get(deployId);
      if (current?.status !== 'pending') return undefined;
      const next = {
        ...current,
        ...withoutUndefined(copy({ status, decidedBy: by, decidedAt: at, voidReason })),
      };
      store.set(deployId, next);
      return copy(next);
    },
    async addVote(deployId, vote, { sha, required }) {
      await tick();
      const current = store.get(deployId);
      if (current?.status !== 'pending' || current.sha !== sha) return undefined;
      if ((current.voteCount ?? 0) >= required) return undefined;
      if (current.votes?.some((v) => v.by.id === vote.by.id)) return undefined;
      const next: Approval = {
        ...current,
        votes: [...(current.votes ?? []), copy(vote)],
        voteCount: (current.voteCount ?? 0) + 1,
      };
      store.set(deployId, next);
      return copy(next);
    },
    async tick(deployId, index, by, at) {
      await tick();
      const current = store.get(deployId);
      const items = current?.checklist ?? [];
      const item = items[index];
      if (current?.status !== 'pending' || !item || item.tickedBy) return undefined;
      const checklist = items.map((it, i) =>
        i === index ? { ...it, tickedBy: copy(by), tickedAt: at } : it,
      );
      const next: Approval = { ...current, checklist };
      store.set(deployId, next);
      return copy(next);
    },
    async reopen(approval) {
      await tick();
      const current = store.get(approval.deployId);
      if (!current || current.status === 'pending') return undefined;
      store.set(approval.deployId, withoutUndefined(copy(approval)) as Approval);
      return copy(approval);
    },
    async markRepinged(deployId) {
      await tick();
      const current = store.get(deployId);
      if (current?.status !== 'pending' || current.repinged) return false;
      store.set(deployId, { ...current, repinged: true });
      return true;
    },
    async pending(filter = {}) {
      await tick();
      return copy(
        [...store.values()]
          .filter(
            (a) =>
              a.status === 'pending' &&
              (filter.service === undefined || a.service === filter.service) &&
              (filter.env === undefined || a.env === filter.env),
          )
          .sort(
            (a, b) =>
              a.requestedAt.getTime() - b.requestedAt.getTime() ||
              (a.deployId < b.deployId ? -1 : a.deployId > b.deployId ? 1 : 0),
          ),
      );
    },
  };
}

function memoryFreezes(): FreezeRepository {
  const store = new Map<string, Freeze>();
  return {
    async create(freeze) {
      await tick();
      if (store.has(freeze.id)) throw duplicate(`freeze ${freeze.id}`);
      store.set(freeze.id, withoutUndefined(copy(freeze)) as Freeze);
      return copy(freeze);
    },
    async get(id) {
      await tick();
      return copy(store.get(id));
    },
    async lift(id, by, at) {
      await tick();
      const current = store.get(id);
      if (!current || current.liftedAt) return undefined;
      const next = { ...current, liftedBy: copy(by), liftedAt: copy(at) };
      store.set(id, next);
      return copy(next);
    },
    async overlapping(from, to) {
      await tick();
      return copy(
        [...store.values()]
          .filter((f) => !f.liftedAt && f.startsAt < to && f.endsAt > from)
          .sort(
            (a, b) => a.startsAt.getTime() - b.startsAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
          ),
      );
    },
  };
}

function memoryLocks(): LockRepository {
  // Insertion order stands in for createdAt order; the key plays the unique (service, env, kind) index.
  const store = new Map<string, Lock>();
  const key = (service: string, env: string, kind: string) => JSON.stringify([service, env, kind]);
  return {
    async acquire(lock) {
      await tick();
      const k = key(lock.service, lock.env, lock.kind);
      if (store.has(k)) return false;
      store.set(k, withoutUndefined(copy(lock)) as Lock);
      return true;
    },
    async release(service, env, kind) {
      await tick();
      return store.delete(key(service, env, kind));
    },
    async list(filter = {}) {
      await tick();
      return copy(
        [...store.values()]
          .filter(
            (l) =>
              (filter.service === undefined || l.service === filter.service) &&
              (filter.env === undefined || l.env === filter.env),
          )
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
      );
    },
    async removeExpired(now) {
      await tick();
      const removed: Lock[] = [];
      for (const [k, lock] of store) {
        if (lock.expiresAt && lock.expiresAt.getTime() <= now.getTime()) {
          store.delete(k);
          removed.push(lock);
        }
      }
      return copy(removed);
    },
  };
}

function memoryAudit(): AuditRepository {
  const entries: AuditEntry[] = [];
  const order = newestFirst<AuditEntry>(
    (e) => e.at,
    (e) => e.id,
  );
  return {
    async append(entry) {
      await tick();
      if (entries.some((e) => e.id === entry.id)) throw duplicate(`audit ${entry.id}`);
      entries.push(withoutUndefined(copy(entry)) as AuditEntry);
    },
    async find({ limit, since, actorId, service, env, deployId }) {
      await tick();
      return copy(
        entries
          .filter(
            (e) =>
              (service === undefined || e.service === service) &&
              (env === undefined || e.env === env) &&
              (deployId === undefined || e.deployId === deployId) &&
              (actorId === undefined || e.actor.id === actorId) &&
              (!since || e.at >= since),
          )
          .sort(order)
          .slice(0, limit),
      );
    },
  };
}

function memorySettings(): SettingsRepository {
  const store = new Map<string, unknown>();
  return {
    async get<T>(key: string) {
      await tick();
      return copy(store.get(key)) as T | undefined;
    },
    async set(key, value) {
      await tick();
      store.set(key, copy(value));
    },
    async claim(key, expiresAt, now) {
      await tick();
      // Check and set in one synchronous step: nothing can run between them.
      const held = store.get(key) as { expiresAt?: unknown } | null | undefined;
      if (typeof held?.expiresAt === 'string' && held.expiresAt > now.toISOString()) return false;
      store.set(key, { expiresAt: expiresAt.toISOString() });
      return true;
    },
  };
}

function memoryLeases(): LeaseRepository {
  const store = new Map<string, Lease>();
  return {
    async acquire(name, holder, ttlMs, now) {
      await tick();
      const current = store.get(name);
      const expiresAt = new Date(now.getTime() + ttlMs);
      let next: Lease;
      if (current?.holder === holder) next = { ...current, expiresAt };
      else if (!current || current.expiresAt < now) next = { name, holder, expiresAt, acquiredAt: copy(now) };
      else return undefined;
      store.set(name, next);
      return copy(next);
    },
    async release(name, holder) {
      await tick();
      if (store.get(name)?.holder !== holder) return false;
      return store.delete(name);
    },
    async get(name) {
      await tick();
      return copy(store.get(name));
    },
  };
}
