/** The product's records, as plain data. Persistence lives in adapters/mongo; rules live beside this file. */

export const DEPLOY_STATES = [
  'requested',
  'queued',
  'awaiting_approval',
  'approved',
  'dispatched',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
  'expired',
  'superseded',
] as const;
export type DeployState = (typeof DEPLOY_STATES)[number];

export const TERMINAL_STATES: readonly DeployState[] = [
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
  'expired',
  'superseded',
];
/** States in which a deploy holds (or is about to hold) its service+env: only one at a time. */
export const ACTIVE_STATES: readonly DeployState[] = ['approved', 'dispatched', 'running'];

export type Verification = 'pending' | 'verified' | 'faulty';

/** Someone who acted: a Discord user, or the bot itself for jobs. */
export interface Actor {
  readonly id: string;
  readonly name: string;
}
export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'Release Console' };

export interface FreezeOverride {
  readonly by: Actor;
  readonly reason: string;
  readonly rollbackPlan: string;
  readonly at: Date;
}

export interface Deploy {
  /** Opaque short id, shown to people (`/approve D7K3F9QX`) and carried in button custom_ids. */
  readonly id: string;
  readonly kind: 'deploy' | 'rollback';
  readonly service: string;
  readonly env: string;
  readonly ref: string;
  readonly sha: string;
  readonly state: DeployState;
  readonly reason: string;
  readonly requestedBy: Actor;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** CalVer version assigned at dispatch. */
  readonly version?: string;
  readonly approvedBy?: Actor;
  readonly decidedAt?: Date;
  readonly dispatchedAt?: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  readonly runId?: number;
  readonly runUrl?: string;
  readonly githubDeploymentId?: number;
  /** The deploy that was live before this one (the rollback target of this deploy, once verified). */
  readonly previousDeployId?: string;
  readonly previousVersion?: string;
  readonly previousSha?: string;
  /** For kind 'rollback': the deploy being rolled back. */
  readonly rollbackOf?: string;
  readonly emergency?: boolean;
  readonly verification?: Verification;
  readonly verifiedBy?: Actor;
  readonly override?: FreezeOverride;
  /** The Discord message carrying this deploy's card, and its thread when one was opened. */
  readonly channelId?: string;
  readonly messageId?: string;
  readonly threadId?: string;
  /** What the card shows, captured when the request was checked: the gate checklist and the commit range. */
  readonly gates?: readonly GateLine[];
  readonly commits?: readonly CommitLine[];
  readonly ciState?: string;
  /** Re-run was asked for a stuck run: once GitHub reports it cancelled, it is re-run, not ended. */
  readonly rerunRequested?: boolean;
  /** A queued request: the gate that made it wait. */
  readonly waitingFor?: string;
  /** Why the deploy ended the way it did (gate reason, run conclusion, …), for people. */
  readonly outcomeReason?: string;
  /** Incremented by every write: lets a writer detect that it lost a race. */
  readonly rev: number;
}

/** One line of the gate checklist as shown on a card (§5). */
export interface GateLine {
  readonly code: string;
  readonly ok: boolean;
  readonly label: string;
  readonly reason: string;
}

export interface CommitLine {
  readonly sha: string;
  readonly title: string;
  readonly author?: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'void';

/** An approval request for one deploy, bound to (service, env, sha). */
export interface Approval {
  readonly deployId: string;
  readonly service: string;
  readonly env: string;
  readonly sha: string;
  readonly status: ApprovalStatus;
  readonly requestedBy: Actor;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
  readonly repingAt: Date;
  readonly repinged: boolean;
  readonly decidedBy?: Actor;
  readonly decidedAt?: Date;
  readonly voidReason?: string;
}

/** A one-off freeze (recurring windows come from the configuration). */
export interface Freeze {
  readonly id: string;
  readonly reason: string;
  /** Environments it freezes. */
  readonly envs: readonly string[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: Actor;
  readonly createdAt: Date;
  readonly liftedBy?: Actor;
  readonly liftedAt?: Date;
}

export type LockKind = 'faulty' | 'manual';
export interface Lock {
  readonly service: string;
  readonly env: string;
  readonly kind: LockKind;
  readonly reason: string;
  readonly createdBy: Actor;
  readonly createdAt: Date;
  readonly deployId?: string;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: Date;
  readonly actor: Actor;
  /** What happened, e.g. "deploy.requested", "deploy.approved", "freeze.started". */
  readonly action: string;
  readonly service?: string;
  readonly env?: string;
  readonly sha?: string;
  readonly version?: string;
  readonly deployId?: string;
  readonly outcome?: string;
  readonly reason?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly expiresAt: Date;
  readonly acquiredAt: Date;
}
