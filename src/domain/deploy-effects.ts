import type { DeployEvent } from './deploy-state.js';
import {
  AUTO_ACTOR,
  type Deploy,
  type DeployState,
  type EffectKind,
  type EffectRecord,
  type EffectSpec,
  type Verification,
} from './model.js';
import { trafficOf } from './rollout.js';

/**
 * What a deploy owes the world after a change (§4, §6, §8), declared beside the state machine as Shopify's
 * shipit declares `after_transition` hooks. A transition writes its new state and these effects in one
 * conditional update (the outbox on the deploy); a worker performs them once each, in order per lane.
 * The effect kinds and records are plain data in model.ts.
 */

/**
 * Effects of one lane run one after the other, in the order they were owed; lanes run side by side. A lane
 * whose effect fails waits (retried with backoff) without holding the others back.
 */
export type Lane = 'audit' | 'card' | 'messages' | 'github' | 'flow' | 'verify' | 'visibility';
export const LANE_OF: Record<EffectKind, Lane> = {
  audit: 'audit',
  card: 'card',
  progress: 'messages',
  tellRequester: 'messages',
  // After the Deployment's status and the tag: when the marker says live, GitHub says so too.
  marker: 'github',
  dispatch: 'github',
  deployment: 'github',
  deploymentStatus: 'github',
  tag: 'github',
  verification: 'verify',
  verificationCheck: 'verify',
  releaseLock: 'flow',
  voidStaleApprovals: 'flow',
  offerQueue: 'flow',
  approvalTimers: 'flow',
  ackRequest: 'flow',
  finished: 'flow',
  // After the tag, before the marker: the marker links the Release.
  release: 'github',
  // Pull-request comments and the board never hold the deploy's own messages back.
  prFeedback: 'visibility',
  board: 'visibility',
  // GitHub holds the run until it hears this; after it, the run is followed like a dispatched one.
  protectionAnswer: 'github',
  promotion: 'flow',
  scheduleFire: 'flow',
  rolloutTimer: 'flow',
  rolloutDispatch: 'github',
  rolloutRollback: 'flow',
};

/** The one card effect is re-armed by every change; other effects get a key of their own. */
export function effectKey(spec: EffectSpec, seq: number): string {
  return spec.kind === 'card' ? 'card' : `${spec.kind}_${seq}`;
}

/** What the effects of a change depend on besides the record. */
export interface EffectFacts {
  readonly isProd: boolean;
  readonly isStaging: boolean;
  /** The service comments on the pull requests it ships (§17, opt-in). */
  readonly prComments?: boolean;
}

/** Continuous delivery (§15): a verified staging deploy by `auto` owes the promotion to prod. */
export function owesPromotion(after: Deploy, facts: EffectFacts): boolean {
  return facts.isStaging && after.kind === 'deploy' && after.requestedBy.id === AUTO_ACTOR.id;
}

function hadRun(deploy: Deploy): boolean {
  return deploy.dispatchedAt !== undefined;
}

/**
 * A deploy GitHub started and holds at its protection rule (§16), before its run goes on: the approval owes
 * GitHub's answer instead of a dispatch, and any other end owes a rejection, so GitHub never waits forever.
 * Undefined when the ordinary table applies.
 */
function effectsOfProtectedRun(event: DeployEvent, after: Deploy): EffectSpec[] | undefined {
  if (after.origin !== 'github' || hadRun(after)) return undefined;
  const answer = (state: 'approved' | 'rejected'): EffectSpec => ({ kind: 'protectionAnswer', state });
  switch (event) {
    case 'approve':
    case 'autoApprove':
      return [{ kind: 'card' }, answer('approved')];
    case 'reject':
    case 'deny':
    case 'expire':
    case 'supersede':
    case 'cancel':
    case 'fail':
      return [{ kind: 'card' }, answer('rejected'), { kind: 'offerQueue' }];
    default:
      return undefined;
  }
}

/** The effects a state event owes, from the deploy as it is after the change. */
export function effectsOfEvent(event: DeployEvent, after: Deploy, facts: EffectFacts): EffectSpec[] {
  const protectedRun = effectsOfProtectedRun(event, after);
  if (protectedRun) return protectedRun;
  const card: EffectSpec = { kind: 'card' };
  const ended = (state: 'failure' | 'error'): EffectSpec[] => [
    card,
    ...(hadRun(after) ? [{ kind: 'deploymentStatus' as const, state }] : []),
    ...(hadRun(after) ? [{ kind: 'progress' as const, event: { kind: 'ended' as const } }] : []),
    { kind: 'offerQueue' },
    { kind: 'finished' },
  ];
  switch (event) {
    case 'queue':
    case 'requeue':
    case 'supersede':
      return [card];
    // a request that leaves the line lets the next one in it be offered (FIFO queue).
    case 'reject':
    case 'deny':
    case 'expire':
    case 'lapse':
      return [card, { kind: 'offerQueue' }];
    case 'release':
      return [card, { kind: 'tellRequester', notice: { kind: 'offer' } }];
    case 'requestApproval':
      return [{ kind: 'card', ping: true }, { kind: 'approvalTimers' }];
    case 'autoApprove':
    case 'approve':
      return [card, { kind: 'dispatch', gatesChecked: true }];
    case 'dispatch':
      return [
        card,
        { kind: 'progress', event: { kind: 'dispatched' } },
        { kind: 'deployment' },
        ...(after.emergency && after.kind === 'rollback' ? [{ kind: 'ackRequest' as const }] : []),
      ];
    case 'start':
      return [card, { kind: 'progress', event: { kind: 'running' } }];
    case 'succeed':
      return [
        card,
        { kind: 'deploymentStatus', state: 'success' },
        ...(facts.isProd && after.version ? [{ kind: 'tag' as const }] : []),
        ...(facts.isProd && after.version && after.kind === 'deploy' ? [{ kind: 'release' as const }] : []),
        { kind: 'marker' },
        { kind: 'progress', event: { kind: 'live' } },
        ...(facts.isStaging ? [{ kind: 'voidStaleApprovals' as const }] : []),
        // A successful rollback is the way out of the faulty lock it was for.
        ...(after.kind === 'rollback' ? [{ kind: 'releaseLock' as const }] : []),
        { kind: 'verification' },
        { kind: 'offerQueue' },
        { kind: 'finished' },
      ];
    case 'fail':
      // A step run that failed after traffic already moved leaves a mixed fleet: roll back as on Abort.
      return (after.rollout?.step ?? 0) > 0
        ? [{ kind: 'rolloutRollback' }, ...ended('failure')]
        : ended('failure');
    case 'cancel':
      return [card, { kind: 'offerQueue' }];
    case 'runCancelled':
      return ended('error');
    // Scheduled deploys (§15): the card says when; the fire job is armed in the same write.
    case 'schedule':
      return [card, { kind: 'scheduleFire' }];
    case 'fire':
    case 'unschedule':
      return [card];
    // Progressive rollout (§15).
    case 'completeStep':
      return [
        card,
        { kind: 'progress', event: { kind: 'stepLive', traffic: trafficNow(after) } },
        { kind: 'rolloutTimer' },
      ];
    case 'advanceStep':
      return [card, { kind: 'rolloutDispatch' }];
    case 'dispatchStep':
      return [card, { kind: 'progress', event: { kind: 'stepDispatched', traffic: trafficNow(after) } }];
    case 'abortRollout':
      // The rollback first: it must not wait behind the queue offer of the env it is about to fix.
      return [{ kind: 'rolloutRollback' }, ...ended('failure')];
  }
}

function trafficNow(deploy: Deploy): number {
  return deploy.rollout ? trafficOf(deploy.rollout) : 100;
}

// ---- Visibility (§17) ----

/**
 * What a state event owes the visibility side, after what effectsOfEvent owes: every change may change the
 * status board; a success also tells the pull requests it shipped (or, for a rollback, took back).
 */
export function visibilityEffectsOfEvent(event: DeployEvent, facts: EffectFacts): EffectSpec[] {
  return [
    ...(event === 'succeed' && facts.prComments ? [{ kind: 'prFeedback' as const }] : []),
    { kind: 'board' },
  ];
}

/** Verification, locks and stuck runs show on the board too. */
export function visibilityEffectsOfAnnotation(annotation: DeployAnnotation): EffectSpec[] {
  return annotation === 'confirm' ? [] : [{ kind: 'board' }];
}

/**
 * Changes that are not a move of the state (verification, acknowledgement, a stuck run): each has a guard
 * the repository checks in the same atomic update, so two writers cannot both apply it.
 */
export interface DeployGuard {
  readonly states?: readonly DeployState[];
  readonly verification?: readonly (Verification | 'none')[];
  /** Fields that must be absent. */
  readonly absent?: readonly ('approvedBy' | 'verifiedBy' | 'preApproval')[];
  /** Flags that must be true (or not true: false or absent). */
  readonly flags?: Readonly<Partial<Record<'stuck' | 'rerunRequested', boolean>>>;
}

/** Whether `deploy` satisfies `guard` (the repositories check the same in their atomic update). */
export function guardHolds(deploy: Deploy, guard: DeployGuard): boolean {
  if (guard.states && !guard.states.includes(deploy.state)) return false;
  if (guard.verification && !guard.verification.includes(deploy.verification ?? 'none')) return false;
  if (guard.absent?.some((field) => deploy[field] !== undefined)) return false;
  for (const [flag, wanted] of Object.entries(guard.flags ?? {}) as ['stuck' | 'rerunRequested', boolean][]) {
    if ((deploy[flag] === true) !== wanted) return false;
  }
  return true;
}

export const ANNOTATIONS = {
  /** Verification starts after a success (§8). */
  verifying: {
    guard: { states: ['succeeded'], verification: ['none'] },
    action: 'deploy.verification.started',
  },
  verified: { guard: { verification: ['pending'] }, action: 'deploy.verification.verified' },
  faulty: { guard: { verification: ['pending'] }, action: 'deploy.verification.faulty' },
  /** An R4/R5 pressed Verified. */
  confirm: { guard: { verification: ['pending'] }, action: 'deploy.verification.confirmed' },
  /** An R5 acknowledged an emergency rollback: once, by the first to click. */
  acknowledge: { guard: { absent: ['approvedBy'] }, action: 'rollback.acknowledged' },
  /** The run has been in flight longer than `tracking.stuckAfter`. */
  stuck: { guard: { states: ['dispatched', 'running'], flags: { stuck: false } }, action: 'deploy.stuck' },
  /** A stuck run was cancelled for a re-run; the new attempt starts. */
  rerun: {
    guard: { states: ['dispatched', 'running'], flags: { rerunRequested: true } },
    action: 'deploy.rerun',
  },
  /** The faulty lock of the env was released (verified, or a rollback succeeded). */
  unlocked: { guard: {}, action: 'lock.released' },
  /** A newer deploy replaced this one while it was being verified. */
  verificationStopped: { guard: { verification: ['pending'] }, action: 'deploy.verification.stopped' },
  /** A queued request moved up the line (the card shows its new position). */
  movedUp: { guard: { states: ['queued'] }, action: 'deploy.queue.moved' },
  // Approvals and policy (§16): the record of votes and ticks is the approval; these carry card and audit.
  /** An R5 approved a deploy that needs more approvers than that: counted, still awaiting the others. */
  approvalCounted: { guard: { states: ['awaiting_approval'] }, action: 'deploy.approval.counted' },
  /** The requester ticked a checklist item. */
  checklistTicked: { guard: { states: ['awaiting_approval'] }, action: 'deploy.checklist.ticked' },
  /**
   * GitHub asked about a run the bot dispatched for this approved deploy (§16): approved at once; the answer
   * (which names the run) comes with the change.
   */
  protectionApproved: {
    // `succeeded`: its verification smoke run targets the same protected environment.
    guard: { states: ['approved', 'dispatched', 'running', 'succeeded'] },
    action: 'deploy.protection.approved',
  },
  /** Scheduled deploys (§15): an R5 approved a scheduled request before it fired (once, bound to its SHA). */
  preApprove: { guard: { states: ['scheduled'], absent: ['preApproval'] }, action: 'deploy.preApproved' },
  // Progressive rollout (§15): changes during the pause of a step.
  /** An R4/R5 (or a freeze starting, or maintenance) paused it before the next step. */
  pauseRollout: { guard: { states: ['rolling_out'] }, action: 'rollout.paused' },
  resumeRollout: { guard: { states: ['rolling_out'] }, action: 'rollout.resumed' },
  /** Promote: the rest of the pause (and of the analysis) is skipped. */
  promoteRollout: { guard: { states: ['rolling_out'] }, action: 'rollout.promoted' },
  /** One measurement of the step's analysis (the card shows each query's last value). */
  analysisMeasured: { guard: { states: ['rolling_out'] }, action: 'rollout.analysis.measured' },
} as const satisfies Record<string, { guard: DeployGuard; action: string }>;
export type DeployAnnotation = keyof typeof ANNOTATIONS;

/** The effects an annotation owes (`after` and `facts`: the deploy as it is after the change). */
export function effectsOfAnnotation(
  annotation: DeployAnnotation,
  after?: Deploy,
  facts?: EffectFacts,
): EffectSpec[] {
  switch (annotation) {
    case 'verifying':
      return [{ kind: 'card' }, { kind: 'verificationCheck' }];
    case 'verified':
      return [
        { kind: 'card' },
        { kind: 'releaseLock' },
        ...(after && facts && owesPromotion(after, facts) ? [{ kind: 'promotion' as const }] : []),
      ];
    case 'preApprove':
      return [{ kind: 'card' }];
    case 'faulty':
    case 'acknowledge':
    case 'stuck':
    case 'rerun':
    case 'movedUp':
    case 'approvalCounted':
    case 'checklistTicked':
      return [{ kind: 'card' }];
    case 'confirm':
    case 'unlocked':
    case 'verificationStopped':
    case 'protectionApproved':
      return [];
    case 'pauseRollout':
    case 'analysisMeasured':
      return [{ kind: 'card' }];
    case 'resumeRollout':
    case 'promoteRollout':
      return [{ kind: 'card' }, { kind: 'rolloutTimer' }];
  }
}

/** Effects still to do, in the order they were owed. */
export function pendingEffects(deploy: Deploy): [string, EffectRecord][] {
  return Object.entries(deploy.effects ?? {})
    .filter(([, effect]) => effect.status === 'pending')
    .sort(([, a], [, b]) => a.seq - b.seq);
}

/** Backoff of a failed effect: 1 s, 2 s, 4 s … capped at 2 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(120_000, 1_000 * 2 ** Math.max(0, attempts - 1));
}
