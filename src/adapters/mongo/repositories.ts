import type { Connection } from 'mongoose';
import type { DeployGuard } from '../../domain/deploy-effects.js';
import type {
  Actor,
  Approval,
  ApprovalStatus,
  AuditEntry,
  Deploy,
  DeployState,
  Freeze,
  Lease,
  Lock,
  LockKind,
} from '../../domain/model.js';
import type {
  ApprovalRepository,
  AuditFilter,
  AuditRepository,
  DeployPatch,
  DeployRepository,
  FreezeRepository,
  LeaseRepository,
  LockRepository,
  NewDeploy,
  Repositories,
  SettingsRepository,
} from '../../app/ports/repositories.js';
import {
  createModels,
  type ApprovalDoc,
  type AuditDoc,
  type DeployDoc,
  type FreezeDoc,
  type LeaseDoc,
  type LockDoc,
  type Models,
  type SettingDoc,
} from './models.js';
import { QUERY_SHAPES as SHAPES } from './query-shapes.js';

/** Repositories over one mongoose connection. Every method returns plain domain objects. */
export function createMongoRepositories(connection: Connection): Repositories {
  const models = createModels(connection);
  return {
    deploys: deployRepository(models),
    approvals: approvalRepository(models),
    freezes: freezeRepository(models),
    locks: lockRepository(models),
    audit: auditRepository(models),
    settings: settingsRepository(models),
    leases: leaseRepository(models),
  };
}

/** `$set` must not carry undefined (exactOptionalPropertyTypes: absent, not undefined). */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The service/env part of a filter, and nothing else. TypeScript lets a caller pass any object with those
 * fields (a whole target, say); every other field would become a condition no document meets.
 */
export function serviceEnvFilter(filter: { service?: string; env?: string }): {
  service?: string;
  env?: string;
} {
  return {
    ...(filter.service !== undefined ? { service: filter.service } : {}),
    ...(filter.env !== undefined ? { env: filter.env } : {}),
  };
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;
}

const AFTER = { returnDocument: 'after' } as const;

function toDeploy({ _id, ...rest }: DeployDoc): Deploy {
  return { id: _id, ...rest };
}
function toApproval({ _id, ...rest }: ApprovalDoc): Approval {
  return { deployId: _id, ...rest };
}
function toFreeze({ _id, ...rest }: FreezeDoc): Freeze {
  return { id: _id, ...rest };
}
function toLock({ _id: _ignored, ...rest }: LockDoc): Lock {
  return rest;
}
function toAudit({ _id, ...rest }: AuditDoc): AuditEntry {
  return { id: _id, ...rest };
}
function toLease({ _id, ...rest }: LeaseDoc): Lease {
  return { name: _id, ...rest };
}
/** The guard of a change as a MongoDB filter (the same rules as guardHolds in the domain). */
function guardFilter(guard: DeployGuard): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (guard.states) filter.state = { $in: [...guard.states] };
  if (guard.verification) {
    const values = guard.verification.filter((v) => v !== 'none');
    const none = guard.verification.includes('none');
    if (none && values.length === 0) filter.verification = { $exists: false };
    else if (none) filter.$or = [{ verification: { $exists: false } }, { verification: { $in: values } }];
    else filter.verification = { $in: values };
  }
  for (const field of guard.absent ?? []) filter[field] = { $exists: false };
  for (const [flag, wanted] of Object.entries(guard.flags ?? {}))
    filter[flag] = wanted ? true : { $ne: true };
  return filter;
}

const maybe = <D, R>(doc: D | null, map: (doc: D) => R): R | undefined => (doc ? map(doc) : undefined);

function deployRepository({ deploys }: Models): DeployRepository {
  const write = async (filter: Record<string, unknown>, patch: DeployPatch, now: Date) =>
    maybe(
      await deploys
        .findOneAndUpdate(
          filter,
          { $set: { ...withoutUndefined(patch), updatedAt: now }, $inc: { rev: 1 } },
          AFTER,
        )
        .lean<DeployDoc>(),
      toDeploy,
    );
  return {
    async create({ id, ...deploy }: NewDeploy) {
      const doc = { _id: id, ...withoutUndefined(deploy), updatedAt: deploy.createdAt, rev: 1 };
      await deploys.create(doc);
      return toDeploy(doc as DeployDoc);
    },
    async get(id) {
      return maybe(await deploys.findById(id).lean<DeployDoc>(), toDeploy);
    },
    async apply(id, { guard, rev, patch, effects }, now) {
      const set: Record<string, unknown> = { ...withoutUndefined(patch), updatedAt: now };
      for (const [key, effect] of Object.entries(effects)) set[`effects.${key}`] = withoutUndefined(effect);
      if (Object.keys(effects).length > 0) set.outbox = true;
      return maybe(
        await deploys
          .findOneAndUpdate({ ...guardFilter(guard), _id: id, rev }, { $set: set, $inc: { rev: 1 } }, AFTER)
          .lean<DeployDoc>(),
        toDeploy,
      );
    },
    async claimOutbox(id, holder, until, now) {
      const claim = { $set: { outboxClaim: { ...holder, until } } };
      const fresh = await deploys
        .findOneAndUpdate({ _id: id, outboxClaim: { $exists: false } }, claim, AFTER)
        .lean<DeployDoc>();
      if (fresh) return { deploy: toDeploy(fresh), tookOver: false };
      const left = await deploys
        .findOneAndUpdate(
          {
            _id: id,
            $or: [
              { 'outboxClaim.until': { $lt: now } },
              { 'outboxClaim.instance': holder.instance, 'outboxClaim.boot': { $ne: holder.boot } },
            ],
          },
          claim,
          AFTER,
        )
        .lean<DeployDoc>();
      return left ? { deploy: toDeploy(left), tookOver: true } : undefined;
    },
    async renewOutbox(id, holder, until) {
      const result = await deploys.updateOne(
        { _id: id, 'outboxClaim.boot': holder.boot },
        { $set: { 'outboxClaim.until': until } },
      );
      return result.matchedCount === 1;
    },
    async settleEffect(id, key, holder, settlement, now) {
      const path = `effects.${key}`;
      const filter: Record<string, unknown> = { _id: id, 'outboxClaim.boot': holder.boot };
      let update: Record<string, unknown>;
      if (settlement.status === 'done') {
        filter[`${path}.seq`] = settlement.seq;
        update = {
          $set: { [`${path}.status`]: 'done', [`${path}.doneAt`]: now },
          $unset: { [`${path}.lastError`]: 1 },
        };
      } else {
        filter[`${path}.status`] = 'pending';
        update = {
          $set: {
            [`${path}.attempts`]: settlement.attempts,
            [`${path}.lastError`]: settlement.error,
            ...(settlement.status === 'retry'
              ? { [`${path}.notBefore`]: settlement.notBefore }
              : { [`${path}.status`]: 'gave_up' }),
          },
        };
      }
      return maybe(await deploys.findOneAndUpdate(filter, update, AFTER).lean<DeployDoc>(), toDeploy);
    },
    async releaseOutbox(id, holder, rev, outbox) {
      const result = await deploys.updateOne(
        { _id: id, 'outboxClaim.boot': holder.boot, rev },
        { $unset: { outboxClaim: 1 }, $set: { outbox } },
      );
      return result.matchedCount === 1;
    },
    async withPendingEffects(limit) {
      const docs = await deploys
        .find({ outbox: true })
        .sort(SHAPES.deploysWithPendingEffects.sort)
        .limit(limit)
        .lean<DeployDoc[]>();
      return docs.map(toDeploy);
    },
    update(id, patch, now) {
      return write({ _id: id }, patch, now);
    },
    async findByStates(states, filter = {}) {
      const docs = await deploys
        .find({ ...serviceEnvFilter(filter), state: { $in: [...states] } })
        .sort(SHAPES.deploysOfServiceEnvInStates.sort)
        .lean<DeployDoc[]>();
      return docs.map(toDeploy);
    },
    async history({ limit, ...filter }) {
      const docs = await deploys
        .find(serviceEnvFilter(filter))
        .sort(SHAPES.deploysOfServiceEnv.sort)
        .limit(limit)
        .lean<DeployDoc[]>();
      return docs.map(toDeploy);
    },
    async lastSucceeded(service, env, { sha, verifiedOnly, before } = {}) {
      const query: Record<string, unknown> = { service, env, state: 'succeeded' satisfies DeployState };
      if (sha !== undefined) query.sha = sha;
      if (verifiedOnly) query.verification = 'verified';
      if (before) query.createdAt = { $lt: before };
      const shape =
        sha === undefined ? SHAPES.deploysOfServiceEnvInStates : SHAPES.deploysOfServiceEnvStateSha;
      return maybe(await deploys.findOne(query).sort(shape.sort).lean<DeployDoc>(), toDeploy);
    },
    async findByRunId(runId) {
      return maybe(
        await deploys.findOne({ runId }).sort(SHAPES.deployOfRun.sort).lean<DeployDoc>(),
        toDeploy,
      );
    },
    async liveSince({ env, service, since }) {
      const shape = service === undefined ? SHAPES.liveDeploys : SHAPES.liveDeploysOfService;
      const query: Record<string, unknown> = { env, state: 'succeeded' satisfies DeployState };
      if (service !== undefined) query.service = service;
      query.finishedAt = { $gte: since };
      const docs = await deploys.find(query).sort(shape.sort).lean<DeployDoc[]>();
      return docs.map(toDeploy);
    },
  };
}

function approvalRepository({ approvals }: Models): ApprovalRepository {
  return {
    async create({ deployId, ...approval }) {
      await approvals.create({ _id: deployId, ...withoutUndefined(approval) });
      return { deployId, ...approval };
    },
    async get(deployId) {
      return maybe(await approvals.findById(deployId).lean<ApprovalDoc>(), toApproval);
    },
    async decide(deployId, status: Exclude<ApprovalStatus, 'pending'>, { by, at, voidReason }) {
      const set = withoutUndefined({ status, decidedBy: by, decidedAt: at, voidReason });
      const doc = await approvals
        .findOneAndUpdate({ _id: deployId, status: 'pending' }, { $set: set }, AFTER)
        .lean<ApprovalDoc>();
      return maybe(doc, toApproval);
    },
    async markRepinged(deployId) {
      const result = await approvals.updateOne(
        { _id: deployId, status: 'pending', repinged: false },
        { $set: { repinged: true } },
      );
      return result.modifiedCount === 1;
    },
    async pending(filter = {}) {
      const docs = await approvals
        .find({ ...serviceEnvFilter(filter), status: 'pending' })
        .sort(SHAPES.pendingApprovals.sort)
        .lean<ApprovalDoc[]>();
      return docs.map(toApproval);
    },
    async addVote(deployId, vote, { sha, required }) {
      // One conditional update: the count guard and the "not voted yet" guard are checked by MongoDB with the
      // write, so N approvers clicking at once add N votes at most and one person counts once.
      const doc = await approvals
        .findOneAndUpdate(
          {
            _id: deployId,
            status: 'pending',
            sha,
            voteCount: { $not: { $gte: required } },
            'votes.by.id': { $ne: vote.by.id },
          },
          { $push: { votes: vote }, $inc: { voteCount: 1 } },
          AFTER,
        )
        .lean<ApprovalDoc>();
      return maybe(doc, toApproval);
    },
    async tick(deployId, index, by, at) {
      const item = `checklist.${index}`;
      const doc = await approvals
        .findOneAndUpdate(
          {
            _id: deployId,
            status: 'pending',
            [`${item}.text`]: { $exists: true },
            [`${item}.tickedBy`]: { $exists: false },
          },
          { $set: { [`${item}.tickedBy`]: by, [`${item}.tickedAt`]: at } },
          AFTER,
        )
        .lean<ApprovalDoc>();
      return maybe(doc, toApproval);
    },
    async reopen({ deployId, ...approval }) {
      const doc = await approvals
        .findOneAndReplace(
          { _id: deployId, status: { $ne: 'pending' } },
          { _id: deployId, ...withoutUndefined(approval) },
          AFTER,
        )
        .lean<ApprovalDoc>();
      return maybe(doc, toApproval);
    },
  };
}

function freezeRepository({ freezes }: Models): FreezeRepository {
  return {
    async create({ id, ...freeze }) {
      await freezes.create({ _id: id, ...withoutUndefined(freeze) });
      return { id, ...freeze };
    },
    async get(id) {
      return maybe(await freezes.findById(id).lean<FreezeDoc>(), toFreeze);
    },
    async lift(id, by: Actor, at) {
      const doc = await freezes
        .findOneAndUpdate(
          { _id: id, liftedAt: { $exists: false } },
          { $set: { liftedBy: by, liftedAt: at } },
          AFTER,
        )
        .lean<FreezeDoc>();
      return maybe(doc, toFreeze);
    },
    async overlapping(from, to) {
      const docs = await freezes
        .find({ liftedAt: { $exists: false }, startsAt: { $lt: to }, endsAt: { $gt: from } })
        .sort(SHAPES.overlappingFreezes.sort)
        .lean<FreezeDoc[]>();
      return docs.map(toFreeze);
    },
  };
}

function lockRepository({ locks }: Models): LockRepository {
  return {
    async acquire(lock) {
      try {
        await locks.create(withoutUndefined(lock));
        return true;
      } catch (error) {
        // The unique (service, env, kind) index from migration 0001 makes the second taker lose.
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },
    async release(service, env, kind: LockKind) {
      const result = await locks.deleteOne({ service, env, kind });
      return result.deletedCount === 1;
    },
    async list(filter = {}) {
      const docs = await locks
        .find(serviceEnvFilter(filter))
        .sort(SHAPES.locksOfServiceEnv.sort)
        .lean<LockDoc[]>();
      return docs.map(toLock);
    },
    async removeExpired(now) {
      const due = await locks
        .find({ expiresAt: { $lte: now } })
        .sort({ createdAt: 1, _id: 1 })
        .lean<LockDoc[]>();
      const removed: Lock[] = [];
      for (const doc of due) {
        // Conditional on the very lock read: a lock taken again since is not removed with the old one.
        const { service, env, kind, createdAt } = doc;
        const result = await locks.deleteOne({ service, env, kind, createdAt, expiresAt: { $lte: now } });
        if (result.deletedCount === 1) removed.push(toLock(doc));
      }
      return removed;
    },
  };
}

function auditRepository({ audit }: Models): AuditRepository {
  return {
    async append({ id, ...entry }) {
      await audit.create({ _id: id, ...withoutUndefined(entry) });
    },
    async find({ limit, since, actorId, service, env, deployId }: AuditFilter) {
      const query: Record<string, unknown> = withoutUndefined({
        service,
        env,
        deployId,
        'actor.id': actorId,
      });
      if (since) query.at = { $gte: since };
      // Every audit shape reads newest first; which index serves a filter is listed in query-shapes.ts.
      const docs = await audit.find(query).sort(SHAPES.auditEntries.sort).limit(limit).lean<AuditDoc[]>();
      return docs.map(toAudit);
    },
  };
}

function settingsRepository({ settings }: Models): SettingsRepository {
  return {
    async get<T>(key: string) {
      const doc = await settings.findById(key).lean<SettingDoc>();
      return doc ? (doc.value as T) : undefined;
    },
    async set(key, value, at) {
      await settings.updateOne({ _id: key }, { $set: { value, updatedAt: at } }, { upsert: true });
    },
    async claim(key, expiresAt, now) {
      // An upsert that only matches a free (absent, cleared or expired) entry: when one still holds, the
      // upsert inserts the same _id and the unique key refuses it, so exactly one caller wins.
      try {
        await settings.updateOne(
          {
            _id: key,
            $or: [{ value: null }, { 'value.expiresAt': { $not: { $gt: now.toISOString() } } }],
          },
          { $set: { value: { expiresAt: expiresAt.toISOString() }, updatedAt: now } },
          { upsert: true },
        );
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code === 11000) return false;
        throw error;
      }
    },
  };
}

function leaseRepository({ leases }: Models): LeaseRepository {
  return {
    async acquire(name, holder, ttlMs, now) {
      const expiresAt = new Date(now.getTime() + ttlMs);
      // Renewal by the holder keeps acquiredAt; taking a free or expired lease starts a new term.
      const renewed = await leases
        .findOneAndUpdate({ _id: name, holder }, { $set: { expiresAt } }, AFTER)
        .lean<LeaseDoc>();
      if (renewed) return toLease(renewed);
      try {
        const taken = await leases
          .findOneAndUpdate(
            { _id: name, expiresAt: { $lt: now } },
            { $set: { holder, expiresAt, acquiredAt: now } },
            { ...AFTER, upsert: true },
          )
          .lean<LeaseDoc>();
        return maybe(taken, toLease);
      } catch (error) {
        // The upsert tried to insert `name` while another holder's live lease exists.
        if (isDuplicateKey(error)) return undefined;
        throw error;
      }
    },
    async release(name, holder) {
      const result = await leases.deleteOne({ _id: name, holder });
      return result.deletedCount === 1;
    },
    async get(name) {
      return maybe(await leases.findById(name).lean<LeaseDoc>(), toLease);
    },
  };
}
