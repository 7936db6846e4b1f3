/** The product's records, as plain data. Persistence lives in adapters/mongo; rules live beside this file. */
import type { ErrorCode } from './errors.js';
import type { RolloutProgress } from './rollout.js';

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
  // Continuous delivery and scheduled deploys (§15): a request stored to fire at its time.
  'scheduled',
  // Progressive rollout (§15): a step is live and the deploy waits (pause, analysis) before the next one.
  'rolling_out',
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
export const ACTIVE_STATES: readonly DeployState[] = ['approved', 'dispatched', 'running', 'rolling_out'];

export type Verification = 'pending' | 'verified' | 'faulty';

/** Someone who acted: a Discord user, or the bot itself for jobs. */
export interface Actor {
  readonly id: string;
  readonly name: string;
}
export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'Release Console' };
/** Continuous delivery (§15): the requester of deploys the bot makes by itself; never an approver. */
export const AUTO_ACTOR: Actor = { id: 'auto', name: 'auto' };

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
  readonly waitingFor?: GateBlock;
  /** its place in the FIFO queue of its service+env when last counted (1 is the head). */
  readonly queuePosition?: number;
  /** when it was offered (Deploy now) as the head of the queue; the offer lapses after queue.offerExpiry. */
  readonly offeredAt?: Date;
  /** Why the deploy ended the way it did (gate reason, run conclusion, …), for people. */
  readonly outcomeReason?: string;
  /** The gate that refused it, when one did. */
  readonly outcomeCode?: ErrorCode;
  /** The run has been in flight longer than `tracking.stuckAfter` (the card offers Cancel run / Re-run). */
  readonly stuck?: boolean;
  // Continuous delivery and scheduled deploys (§15).
  /** A scheduled request: when it fires (its gates and approval are evaluated then). */
  readonly scheduledFor?: Date;
  /** An R5's approval given before a scheduled request fired, bound to the SHA it was given for. */
  readonly preApproval?: { readonly by: Actor; readonly sha: string; readonly at: Date };
  /** A promotion to prod (requested by `auto`): the staging deploy whose verification asked for it. */
  readonly promotionOf?: string;
  /** A progressive rollout (§15): its steps, the current one, its pause and analysis. */
  readonly rollout?: RolloutProgress;
  /** The outbox: what this deploy still owes (and did), by effect key. */
  readonly effects?: Readonly<Record<string, EffectRecord>>;
  /** True while an effect is pending: the durable worker's index. */
  readonly outbox?: boolean;
  /** The process working the outbox now, and until when its claim holds. */
  readonly outboxClaim?: { readonly instance: string; readonly boot: string; readonly until: Date };
  /** Incremented by every write: lets a writer detect that it lost a race. */
  readonly rev: number;
  /** The GitHub Release of this deploy's tag (§17), linked from the deploy marker. */
  readonly releaseUrl?: string;
  // Deploys started outside Discord (SPEC §16, the GitHub deployment protection rule).
  /** Where the deploy was started: absent for Discord (and the bot's own jobs), 'github' for a run GitHub holds. */
  readonly origin?: 'github';
  /** The run GitHub holds for this deploy's answer, and the environment it asks for. */
  readonly protection?: ProtectionRequest;
}

/** A `deployment_protection_rule` request GitHub holds a run for, until the bot answers it. */
export interface ProtectionRequest {
  readonly runId: number;
  /** The GitHub environment name, as the answer must repeat it. */
  readonly environment: string;
  /** Who started the run on GitHub (login), for people. */
  readonly sender?: string;
}

/** A gate that holds a deploy back, with its reason for people. */
export interface GateBlock {
  readonly code: ErrorCode;
  readonly reason: string;
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
  /** The commit's author date (from GitHub's compare): the start of the lead time for changes (§17). */
  readonly at?: Date;
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
  // Approvals and policy (§16): N-of-M approvals and the requester's checklist. Absent on older records:
  // read as one approval needed, no votes, no checklist.
  /** How many distinct R5s must approve (the env's `approvals`). */
  readonly required?: number;
  /** The R5s who approved so far, oldest first; bound to `sha` and voided with the record. */
  readonly votes?: readonly ApprovalVote[];
  /** Incremented with each vote: the conditional update's guard against an N+1st vote. */
  readonly voteCount?: number;
  /** The env's checklist, captured at request time, with who ticked each item and when. */
  readonly checklist?: readonly ChecklistItem[];
}

/** One R5's approval of a deploy that needs several (§16). */
export interface ApprovalVote {
  readonly by: Actor;
  readonly at: Date;
}

/** One manual checklist item (§16) the requester ticks before the approvers may approve. */
export interface ChecklistItem {
  readonly text: string;
  readonly tickedBy?: Actor;
  readonly tickedAt?: Date;
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
  /** Locks (§16): when a manual lock ends by itself; compared with the clock when read, no TTL index. */
  readonly expiresAt?: Date;
}

/** Locks (§16): the service and env of a global lock (`/lock all`), which holds every env. */
export const ALL_TARGETS = '*';

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

// The outbox (rules in deploy-effects.ts).

export const EFFECT_KINDS = [
  /** The audit entry of the change (§10), with a deterministic id so it is written once. */
  'audit',
  /** The card, re-rendered from the newest record; posted the first time, edited after. */
  'card',
  /** A line in the card's thread, as a typed event rendered by the Discord adapter. */
  'progress',
  /** A message to the requester (named, never pinged), optionally with Deploy now / Cancel. */
  'tellRequester',
  /** The deploy marker (§6) in the ops channel, plus its log line and counter. */
  'marker',
  /** The workflow_dispatch (§4.5), with the gates checked just before it. */
  'dispatch',
  /** The GitHub Deployment mirroring the run, and its in_progress status. */
  'deployment',
  /** The GitHub Deployment's final status. */
  'deploymentStatus',
  /** The CalVer tag on prod (§6). */
  'tag',
  /** Post-deploy verification starts (§8): smoke dispatched, first check scheduled. */
  'verification',
  /** The first verification check job. */
  'verificationCheck',
  /** The faulty lock of the env is released (a rollback succeeded, or this deploy was verified). */
  'releaseLock',
  /** A newer SHA on staging voids pending prod approvals for other SHAs (§4.3). */
  'voidStaleApprovals',
  /** Queued requests for the service+env are offered again (§4.8). */
  'offerQueue',
  /** The approval's reminder and expiry jobs (§4.2). */
  'approvalTimers',
  /** The emergency rollback's acknowledgement requests (§3). */
  'ackRequest',
  /** The outcome counter (metrics). */
  'finished',
  // Visibility (§17).
  /** The GitHub Release of a prod tag, with notes from the commits and pull requests since the last one. */
  'release',
  /** One comment per shipped pull request, listing each env it reached (opt-in per service). */
  'prFeedback',
  /** The pinned status board needs a refresh (debounced). */
  'board',
  /** The answer to GitHub's deployment protection rule: approve or reject the run it holds (§16). */
  'protectionAnswer',
  // Continuous delivery and scheduled deploys (§15).
  /** A staging deploy by `auto` was verified: the promotion to prod is requested (its card, approval). */
  'promotion',
  /** A scheduled request's fire job, at its time. */
  'scheduleFire',
  // Progressive rollout (§15).
  /** The rollout's durable timer (pause and analysis ticks) for the current step. */
  'rolloutTimer',
  /** The workflow_dispatch of the next step, with input `traffic`; looked for first when in doubt. */
  'rolloutDispatch',
  /** The automatic rollback after a failed analysis or Abort: no approval, audited, R5s told. */
  'rolloutRollback',
] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

/** A line in the card's thread. Values come from the record at render time; only extras live here. */
export type ProgressEvent =
  | { readonly kind: 'dispatched' }
  | { readonly kind: 'running' }
  | { readonly kind: 'live' }
  | { readonly kind: 'ended' }
  | { readonly kind: 'stuck' }
  | { readonly kind: 'rerun'; readonly attempt: number }
  | { readonly kind: 'verifying'; readonly smoke: boolean }
  | { readonly kind: 'verified'; readonly reason: string }
  | { readonly kind: 'faulty'; readonly reason: string }
  | { readonly kind: 'confirmed'; readonly by: string }
  | { readonly kind: 'unlocked'; readonly why: string }
  | { readonly kind: 'acknowledged' }
  | { readonly kind: 'verificationStopped'; readonly replacedBy: string }
  // Progressive rollout (§15).
  | { readonly kind: 'stepDispatched'; readonly traffic: number }
  | { readonly kind: 'stepLive'; readonly traffic: number }
  | { readonly kind: 'rolloutPaused'; readonly by: string; readonly reason: string }
  | { readonly kind: 'rolloutResumed'; readonly by: string }
  | { readonly kind: 'rolloutPromoted'; readonly by: string }
  | { readonly kind: 'rolloutAborted'; readonly reason: string };

/** What the requester is told (named, never pinged). */
export type RequesterNotice =
  | { readonly kind: 'offer' }
  | { readonly kind: 'approvalVoid'; readonly reason: string; readonly waits: boolean };

/** The audit entry a change writes. */
export interface AuditNote {
  readonly actor: Actor;
  readonly reason?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** One effect as a transition asks for it. */
export type EffectSpec =
  | {
      readonly kind: 'audit';
      readonly action: string;
      readonly note: AuditNote;
      readonly at: string;
      /** The state after the change, and the version then. */
      readonly outcome: string;
      readonly version?: string;
    }
  | { readonly kind: 'card'; readonly ping?: boolean }
  | { readonly kind: 'progress'; readonly event: ProgressEvent }
  | { readonly kind: 'tellRequester'; readonly notice: RequesterNotice }
  | { readonly kind: 'dispatch'; readonly gatesChecked: boolean }
  | { readonly kind: 'deploymentStatus'; readonly state: 'success' | 'failure' | 'error' }
  | {
      readonly kind: 'protectionAnswer';
      readonly state: 'approved' | 'rejected';
      /** The run and environment when they are not the deploy's own `protection` (a run the bot dispatched). */
      readonly request?: ProtectionRequest;
    }
  | {
      readonly kind: Exclude<
        EffectKind,
        'audit' | 'card' | 'progress' | 'tellRequester' | 'dispatch' | 'deploymentStatus' | 'protectionAnswer'
      >;
    };

export type EffectStatus = 'pending' | 'done' | 'gave_up';

/** An effect as the outbox stores it (under its key in `Deploy.effects`). */
export interface EffectRecord {
  readonly spec: EffectSpec;
  /** The deploy's revision when it was owed: effects of a lane run in this order. */
  readonly seq: number;
  readonly status: EffectStatus;
  /** Failed tries so far; an effect tried before may have happened: it checks before it does. */
  readonly attempts: number;
  readonly notBefore: Date;
  readonly lastError?: string;
  readonly doneAt?: Date;
}
