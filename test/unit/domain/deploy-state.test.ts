import { describe, expect, it } from 'vitest';
import {
  DEPLOY_EVENTS,
  IllegalTransitionError,
  canTransition,
  eventsFrom,
  fromStatesOf,
  isActive,
  isPending,
  isTerminal,
  nextState,
  toStateOf,
  type DeployEvent,
} from '../../../src/domain/deploy-state.js';
import { DEPLOY_STATES, type DeployState } from '../../../src/domain/model.js';

// Written out by hand, independently of the table under test: the legal moves of the product.
const LEGAL: Record<DeployState, Partial<Record<DeployEvent, DeployState>>> = {
  requested: {
    queue: 'queued',
    requestApproval: 'awaiting_approval',
    autoApprove: 'approved',
    deny: 'rejected',
    supersede: 'superseded',
    cancel: 'cancelled',
    lapse: 'expired',
    schedule: 'scheduled',
  },
  queued: {
    release: 'requested',
    deny: 'rejected',
    expire: 'expired',
    supersede: 'superseded',
    cancel: 'cancelled',
  },
  awaiting_approval: {
    approve: 'approved',
    reject: 'rejected',
    deny: 'rejected',
    requeue: 'queued',
    expire: 'expired',
    supersede: 'superseded',
    cancel: 'cancelled',
  },
  approved: {
    dispatch: 'dispatched',
    deny: 'rejected',
    requeue: 'queued',
    fail: 'failed',
    dispatchStep: 'dispatched',
    abortRollout: 'failed',
  },
  dispatched: {
    start: 'running',
    succeed: 'succeeded',
    fail: 'failed',
    runCancelled: 'cancelled',
    completeStep: 'rolling_out',
    abortRollout: 'failed',
  },
  running: {
    succeed: 'succeeded',
    fail: 'failed',
    runCancelled: 'cancelled',
    completeStep: 'rolling_out',
    abortRollout: 'failed',
  },
  succeeded: {},
  failed: {},
  cancelled: {},
  rejected: {},
  expired: {},
  superseded: {},
  scheduled: { fire: 'requested', unschedule: 'cancelled' },
  // A progressive rollout's pause between steps: only the next step or an abort leave it.
  rolling_out: { advanceStep: 'approved', abortRollout: 'failed' },
};

const pairs = DEPLOY_STATES.flatMap((state) =>
  DEPLOY_EVENTS.map((event) => ({ state, event, to: LEGAL[state][event] })),
);

describe('deploy state machine', () => {
  it('covers every event the product knows', () => {
    expect([...DEPLOY_EVENTS].sort()).toEqual(
      [
        'approve',
        'autoApprove',
        'cancel',
        'deny',
        'dispatch',
        'expire',
        'fail',
        'lapse',
        'queue',
        'reject',
        'release',
        'requestApproval',
        'requeue',
        'runCancelled',
        'start',
        'succeed',
        'supersede',
        // Scheduled deploys (§15).
        'schedule',
        'fire',
        'unschedule',
        'completeStep',
        'advanceStep',
        'dispatchStep',
        'abortRollout',
      ].sort(),
    );
  });

  it.each(pairs.filter((p) => p.to !== undefined))('$state --$event--> $to', ({ state, event, to }) => {
    expect(canTransition(state, event)).toBe(true);
    expect(nextState(state, event)).toBe(to);
    expect(fromStatesOf(event)).toContain(state);
    expect(toStateOf(event)).toBe(to);
  });

  it.each(pairs.filter((p) => p.to === undefined))('$state --$event--> illegal', ({ state, event }) => {
    expect(canTransition(state, event)).toBe(false);
    expect(fromStatesOf(event)).not.toContain(state);
    expect(() => nextState(state, event)).toThrow(IllegalTransitionError);
    expect(() => nextState(state, event)).toThrow(`illegal deploy transition: ${event} from ${state}`);
  });

  it.each(DEPLOY_STATES)('eventsFrom(%s) lists exactly its legal events', (state) => {
    expect(eventsFrom(state).sort()).toEqual(Object.keys(LEGAL[state]).sort());
  });

  it.each([
    ['requested', 'pending'],
    ['queued', 'pending'],
    ['awaiting_approval', 'pending'],
    ['approved', 'active'],
    ['dispatched', 'active'],
    ['running', 'active'],
    ['succeeded', 'terminal'],
    ['failed', 'terminal'],
    ['cancelled', 'terminal'],
    ['rejected', 'terminal'],
    ['expired', 'terminal'],
    ['superseded', 'terminal'],
    ['rolling_out', 'active'],
  ] as const)('%s is %s', (state, kind) => {
    expect(isPending(state)).toBe(kind === 'pending');
    expect(isActive(state)).toBe(kind === 'active');
    expect(isTerminal(state)).toBe(kind === 'terminal');
    // Terminal means nothing can move it again.
    expect(eventsFrom(state).length === 0).toBe(kind === 'terminal');
  });
});
