import { ACTIVE_STATES, TERMINAL_STATES, type DeployState } from './model.js';

/**
 * Every way a deploy's state may change, keyed by what happened. This table is the single source of truth:
 * the app passes `fromStatesOf(event)` to the repository's atomic `transition`, so a state change the table
 * does not allow can never be written, and two racing writers cannot both apply the same event.
 */
export const TRANSITIONS = {
  /** A waitable gate (freeze, lock, another deploy) blocks it: it waits its turn. */
  queue: { from: ['requested'], to: 'queued' },
  /** The way is clear again: the queued request is offered to its requester once more. */
  release: { from: ['queued'], to: 'requested' },
  /** Prod (or an env that needs approval): an approval card is posted. */
  requestApproval: { from: ['requested'], to: 'awaiting_approval' },
  /** No approval needed (staging without approval, emergency rollback): straight to approved. */
  autoApprove: { from: ['requested'], to: 'approved' },
  /** An R5 (not the requester) approved it. */
  approve: { from: ['awaiting_approval'], to: 'approved' },
  /** An R5 rejected it. */
  reject: { from: ['awaiting_approval'], to: 'rejected' },
  /** A hard gate failed (at request, at approval or just before dispatch): refused with its reason. */
  deny: { from: ['requested', 'queued', 'awaiting_approval', 'approved'], to: 'rejected' },
  /** The approval became void (freeze started, maintenance on) before dispatch: back in the queue. */
  requeue: { from: ['awaiting_approval', 'approved'], to: 'queued' },
  /** Nobody decided in time, or a queued request went stale. */
  expire: { from: ['queued', 'awaiting_approval'], to: 'expired' },
  /**
   * A newer request, a rollback or a run started on GitHub replaced it while it still waited, or staging
   * moved on from its SHA. Like a withdrawal, never from `approved` on: an approval that won the race goes on.
   */
  supersede: { from: ['requested', 'queued', 'awaiting_approval'], to: 'superseded' },
  /**
   * The requester (or an R5) withdrew it while it still waited. Never from `approved` on: a withdrawal that
   * loses a race to an approval or a Deploy now must not record a run on its way as cancelled.
   */
  cancel: { from: ['requested', 'queued', 'awaiting_approval'], to: 'cancelled' },
  /** Its workflow run ended as cancelled (someone cancelled it on GitHub). */
  runCancelled: { from: ['dispatched', 'running'], to: 'cancelled' },
  /** The workflow_dispatch call was accepted. */
  dispatch: { from: ['approved'], to: 'dispatched' },
  /** The run was seen queued or in progress. */
  start: { from: ['dispatched'], to: 'running' },
  /** The run concluded successfully (a fast run may be seen completed before it was seen running). */
  succeed: { from: ['dispatched', 'running'], to: 'succeeded' },
  /** The run failed, or the dispatch itself failed for good. */
  fail: { from: ['approved', 'dispatched', 'running'], to: 'failed' },
  /** the head of the queue let its offer (Deploy now) expire; the next in line is offered. */
  lapse: { from: ['requested'], to: 'expired' },
  // Scheduled deploys (§15).
  /** `/deploy … at:` — the request is stored until its time; nothing is checked yet. */
  schedule: { from: ['requested'], to: 'scheduled' },
  /** Its time came: it is a request like any other now (gates, approval, dispatch). */
  fire: { from: ['scheduled'], to: 'requested' },
  /** `/schedule cancel`, before it fired. */
  unschedule: { from: ['scheduled'], to: 'cancelled' },
  // Progressive rollout (§15): one run per step, a pause with analysis between them.
  /** A step's run succeeded and more steps follow: the pause (and analysis) starts. */
  completeStep: { from: ['dispatched', 'running'], to: 'rolling_out' },
  /** The pause is over (or Promote) and the analysis passed: the next step is owed its dispatch. */
  advanceStep: { from: ['rolling_out'], to: 'approved' },
  /** The next step's workflow_dispatch was accepted. */
  dispatchStep: { from: ['approved'], to: 'dispatched' },
  /** The analysis failed, or an R4/R5 pressed Abort: it ends and rolls back at once. */
  abortRollout: { from: ['rolling_out', 'approved', 'dispatched', 'running'], to: 'failed' },
} as const satisfies Record<string, { readonly from: readonly DeployState[]; readonly to: DeployState }>;

export type DeployEvent = keyof typeof TRANSITIONS;
export const DEPLOY_EVENTS = Object.keys(TRANSITIONS) as readonly DeployEvent[];

/** Thrown for a (state, event) pair the table does not allow: a bug in the caller, never user input. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly state: DeployState,
    readonly event: DeployEvent,
  ) {
    super(`illegal deploy transition: ${event} from ${state}`);
    this.name = 'IllegalTransitionError';
  }
}

/** The states from which `event` may happen: pass these to the repository's atomic transition. */
export function fromStatesOf(event: DeployEvent): readonly DeployState[] {
  return TRANSITIONS[event].from;
}

/** The state `event` leads to. */
export function toStateOf(event: DeployEvent): DeployState {
  return TRANSITIONS[event].to;
}

export function canTransition(state: DeployState, event: DeployEvent): boolean {
  return (TRANSITIONS[event].from as readonly DeployState[]).includes(state);
}

/** The state after `event`; throws IllegalTransitionError when `event` cannot happen in `state`. */
export function nextState(state: DeployState, event: DeployEvent): DeployState {
  if (!canTransition(state, event)) throw new IllegalTransitionError(state, event);
  return TRANSITIONS[event].to;
}

/** The events that may happen in `state` (empty for terminal states). */
export function eventsFrom(state: DeployState): DeployEvent[] {
  return DEPLOY_EVENTS.filter((event) => canTransition(state, event));
}

export function isTerminal(state: DeployState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Holds (or is about to hold) its service+env: approved, dispatched or running. */
export function isActive(state: DeployState): boolean {
  return ACTIVE_STATES.includes(state);
}

/** Not yet decided or dispatched: requested, queued, awaiting approval. */
export function isPending(state: DeployState): boolean {
  return !isTerminal(state) && !isActive(state);
}
