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

/** Fields a writer may change on a deploy (everything but identity and bookkeeping). */
export type DeployPatch = Partial<
  Omit<Deploy, 'id' | 'kind' | 'service' | 'env' | 'createdAt' | 'rev' | 'requestedBy'>
>;
export type NewDeploy = Omit<Deploy, 'rev' | 'updatedAt'>;

export interface DeployRepository {
  create(deploy: NewDeploy): Promise<Deploy>;
  get(id: string): Promise<Deploy | undefined>;
  /**
   * The atomic step of every state change: applies `patch` only if the deploy is still in one of `from`.
   * Returns the updated deploy, or undefined when it was not in those states (someone else moved it first).
   */
  transition(
    id: string,
    from: readonly DeployState[],
    patch: DeployPatch,
    now: Date,
  ): Promise<Deploy | undefined>;
  /** Applies `patch` whatever the state (message ids, verification details); undefined when missing. */
  update(id: string, patch: DeployPatch, now: Date): Promise<Deploy | undefined>;
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
