import type { DeployGuard } from '../../domain/deploy-effects.js';
import type {
  Actor,
  Approval,
  ApprovalStatus,
  ApprovalVote,
  AuditEntry,
  Deploy,
  DeployState,
  EffectRecord,
  Freeze,
  Lease,
  Lock,
  LockKind,
} from '../../domain/model.js';

/** Fields a writer may change on a deploy (everything but identity and the outbox's bookkeeping). */
export type DeployPatch = Partial<
  Omit<
    Deploy,
    | 'id'
    | 'kind'
    | 'service'
    | 'env'
    | 'createdAt'
    | 'rev'
    | 'requestedBy'
    | 'effects'
    | 'outbox'
    | 'outboxClaim'
  >
>;
export type NewDeploy = Omit<Deploy, 'rev' | 'updatedAt' | 'effects' | 'outbox' | 'outboxClaim'>;

/** One change of a deploy: written only if the guard holds, together with the effects it owes. */
export interface DeployChange {
  readonly guard: DeployGuard;
  /** The revision the writer read: the change applies only to that one, so its effects' seq is exact. */
  readonly rev: number;
  readonly patch: DeployPatch;
  /** New effects by key (an existing key, such as the card's, is re-armed). */
  readonly effects: Readonly<Record<string, EffectRecord>>;
}

/** Who works a deploy's outbox: one process at a time, across instances. */
export interface OutboxHolder {
  readonly instance: string;
  /** This process's start: a holder with the same instance but another boot is dead. */
  readonly boot: string;
}

export type EffectSettlement =
  | { readonly status: 'done'; readonly seq: number }
  | { readonly status: 'retry'; readonly attempts: number; readonly notBefore: Date; readonly error: string }
  | { readonly status: 'gave_up'; readonly attempts: number; readonly error: string };

export interface DeployRepository {
  create(deploy: NewDeploy): Promise<Deploy>;
  get(id: string): Promise<Deploy | undefined>;
  /**
   * The atomic step of every change: applies the patch and adds the effects only if the guard holds (state,
   * verification, fields). Returns the updated deploy, or undefined when the guard did not hold (someone
   * else changed it first; nothing was written).
   */
  apply(id: string, change: DeployChange, now: Date): Promise<Deploy | undefined>;
  /** Bookkeeping whatever the state (message ids, version, run id); undefined when missing. */
  update(id: string, patch: DeployPatch, now: Date): Promise<Deploy | undefined>;
  /**
   * Claims the deploy's outbox until `until`: free, expired, or left by a dead process of this instance.
   * `tookOver` says the previous holder never released it (it may have died mid-effect).
   */
  claimOutbox(
    id: string,
    holder: OutboxHolder,
    until: Date,
    now: Date,
  ): Promise<{ deploy: Deploy; tookOver: boolean } | undefined>;
  /** Extends a held claim; false when it is no longer ours. */
  renewOutbox(id: string, holder: OutboxHolder, until: Date): Promise<boolean>;
  /**
   * Records how an effect went, only while `holder` holds the claim; `done` only if the effect was not
   * re-armed since (its seq is still `seq`). Returns the updated deploy, undefined when nothing was written.
   */
  settleEffect(
    id: string,
    key: string,
    holder: OutboxHolder,
    settlement: EffectSettlement,
    now: Date,
  ): Promise<Deploy | undefined>;
  /**
   * Gives the claim back, if the deploy is still at revision `rev` (nothing changed since the holder
   * looked); `outbox` false when nothing is pending any more. False when it changed: look again.
   */
  releaseOutbox(id: string, holder: OutboxHolder, rev: number, outbox: boolean): Promise<boolean>;
  /** Deploys whose outbox has pending effects (the durable worker's sweep). */
  withPendingEffects(limit: number): Promise<Deploy[]>;
  /** Deploys of service+env in any of `states`, newest first. */
  findByStates(
    states: readonly DeployState[],
    filter?: { service?: string; env?: string },
  ): Promise<Deploy[]>;
  /** Recent deploys, newest first (createdAt). */
  history(filter: { service?: string; env?: string; limit: number }): Promise<Deploy[]>;
  /** The newest succeeded deploy of service+env, or of a given sha there. */
  lastSucceeded(
    service: string,
    env: string,
    filter?: { sha?: string; verifiedOnly?: boolean; before?: Date },
  ): Promise<Deploy | undefined>;
  findByRunId(runId: number): Promise<Deploy | undefined>;
  /** Deploys of `env` (and `service`) that went live (succeeded) at or after `since`, oldest first (§17). */
  liveSince(filter: { env: string; service?: string; since: Date }): Promise<Deploy[]>;
}

export interface ApprovalRepository {
  create(approval: Approval): Promise<Approval>;
  get(deployId: string): Promise<Approval | undefined>;
  /** Atomically moves a pending approval to a final status; undefined when it was no longer pending. */
  decide(
    deployId: string,
    status: Exclude<ApprovalStatus, 'pending'>,
    decision: { by?: Actor; at: Date; voidReason?: string },
  ): Promise<Approval | undefined>;
  /** Marks the half-time re-ping as sent; true only for the caller that flipped it. */
  markRepinged(deployId: string): Promise<boolean>;
  pending(filter?: { service?: string; env?: string }): Promise<Approval[]>;
  // N-of-M approvals and the checklist (§16): each one conditional update, never read-then-write.
  /**
   * Adds `vote` to a pending approval of `sha` that has fewer than `required` votes and none by the same
   * person. Returns the approval with the vote, or undefined when it did not count (already voted, full,
   * decided, another SHA).
   */
  addVote(
    deployId: string,
    vote: ApprovalVote,
    guard: { readonly sha: string; readonly required: number },
  ): Promise<Approval | undefined>;
  /** Ticks checklist item `index` of a pending approval once; undefined when ticked already or closed. */
  tick(deployId: string, index: number, by: Actor, at: Date): Promise<Approval | undefined>;
  /**
   * Starts a closed approval afresh (a requeued deploy asks again: earlier votes and ticks are void with it);
   * undefined when it is still pending or missing.
   */
  reopen(approval: Approval): Promise<Approval | undefined>;
}

export interface FreezeRepository {
  create(freeze: Freeze): Promise<Freeze>;
  get(id: string): Promise<Freeze | undefined>;
  /** Lifts a freeze that is not lifted yet; undefined if missing or already lifted. */
  lift(id: string, by: Actor, at: Date): Promise<Freeze | undefined>;
  /** Freezes not lifted whose [startsAt, endsAt) overlaps [from, to). */
  overlapping(from: Date, to: Date): Promise<Freeze[]>;
}

export interface LockRepository {
  /** Takes the lock; false when a lock of that kind is already held on service+env. */
  acquire(lock: Lock): Promise<boolean>;
  release(service: string, env: string, kind: LockKind): Promise<boolean>;
  list(filter?: { service?: string; env?: string }): Promise<Lock[]>;
  /**
   * Removes the locks whose `expiresAt` is at or before `now`, each by one conditional delete, and returns
   * those this caller removed (so exactly one caller announces each expiry).
   */
  removeExpired(now: Date): Promise<Lock[]>;
}

export interface AuditFilter {
  service?: string;
  env?: string;
  actorId?: string;
  deployId?: string;
  since?: Date;
  limit: number;
}
/** Insert-only: there is no update or delete. */
export interface AuditRepository {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  find(filter: AuditFilter): Promise<AuditEntry[]>;
}

export interface SettingsRepository {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, at: Date): Promise<void>;
  // Webhook de-duplication (§13): one atomic claim, so two concurrent identical deliveries apply once.
  /**
   * Stores `{ expiresAt }` under `key` unless an entry whose `expiresAt` is still after `now` is there.
   * True for the one caller that stored it; false when it was already claimed (one write, no read first).
   */
  claim(key: string, expiresAt: Date, now: Date): Promise<boolean>;
}

export interface LeaseRepository {
  /**
   * Takes or renews the lease `name` for `holder` until now+ttl, if it is free, expired or already
   * `holder`'s. Returns the lease held after the call, or undefined if another holder has it.
   */
  acquire(name: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined>;
  release(name: string, holder: string): Promise<boolean>;
  get(name: string): Promise<Lease | undefined>;
}

export interface Repositories {
  deploys: DeployRepository;
  approvals: ApprovalRepository;
  freezes: FreezeRepository;
  locks: LockRepository;
  audit: AuditRepository;
  settings: SettingsRepository;
  leases: LeaseRepository;
}
