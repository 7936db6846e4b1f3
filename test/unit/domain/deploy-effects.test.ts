import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS,
  effectKey,
  effectsOfAnnotation,
  effectsOfEvent,
  guardHolds,
  LANE_OF,
  pendingEffects,
  retryDelayMs,
} from '../../../src/domain/deploy-effects.js';
import { DEPLOY_EVENTS } from '../../../src/domain/deploy-state.js';
import { EFFECT_KINDS, type Deploy, type EffectRecord } from '../../../src/domain/model.js';

const at = new Date('2026-12-01T10:00:00Z');
const deploy = (over: Partial<Deploy> = {}): Deploy => ({
  id: 'D7K3F9QXA',
  kind: 'deploy',
  service: 'api',
  env: 'prod',
  ref: 'main',
  sha: 'a'.repeat(40),
  state: 'succeeded',
  reason: '',
  requestedBy: { id: '1', name: 'alice' },
  createdAt: at,
  updatedAt: at,
  rev: 3,
  version: 'v2026.12.01',
  dispatchedAt: at,
  ...over,
});
const prod = { isProd: true, isStaging: false };
const staging = { isProd: false, isStaging: true };
const kinds = (specs: { kind: string }[]) => specs.map((s) => s.kind);

describe('what each change owes', () => {
  it('owes the card for every state event, so the card always follows the state', () => {
    for (const event of DEPLOY_EVENTS) {
      expect(kinds(effectsOfEvent(event, deploy(), prod)), event).toContain('card');
    }
  });

  it('a prod success owes the final Deployment status, the tag, the marker, verification and the queue', () => {
    expect(kinds(effectsOfEvent('succeed', deploy(), prod))).toEqual([
      'card',
      'deploymentStatus',
      'tag',
      // The GitHub Release (§17), before the marker that links it.
      'release',
      'marker',
      'progress',
      'verification',
      'offerQueue',
      'finished',
    ]);
    expect(effectsOfEvent('succeed', deploy(), prod)).toContainEqual({
      kind: 'deploymentStatus',
      state: 'success',
    });
  });

  it('a staging success owes no tag, but voids stale prod approvals', () => {
    const owed = kinds(effectsOfEvent('succeed', deploy({ env: 'staging' }), staging));
    expect(owed).not.toContain('tag');
    expect(owed).toContain('voidStaleApprovals');
  });

  it('a successful rollback releases the faulty lock it was for', () => {
    expect(kinds(effectsOfEvent('succeed', deploy({ kind: 'rollback' }), prod))).toContain('releaseLock');
    expect(kinds(effectsOfEvent('succeed', deploy(), prod))).not.toContain('releaseLock');
  });

  it('the approval owes the dispatch (the gates were just checked); a request for approval pings once', () => {
    expect(effectsOfEvent('approve', deploy({ state: 'approved' }), prod)).toContainEqual({
      kind: 'dispatch',
      gatesChecked: true,
    });
    expect(effectsOfEvent('requestApproval', deploy(), prod)).toEqual([
      { kind: 'card', ping: true },
      { kind: 'approvalTimers' },
    ]);
  });

  it('a dispatch owes the Deployment, and an emergency rollback its acknowledgement requests', () => {
    expect(kinds(effectsOfEvent('dispatch', deploy({ state: 'dispatched' }), prod))).toEqual([
      'card',
      'progress',
      'deployment',
    ]);
    expect(kinds(effectsOfEvent('dispatch', deploy({ kind: 'rollback', emergency: true }), prod))).toContain(
      'ackRequest',
    );
  });

  it('an end before any dispatch owes no GitHub status; after one, the status and the queue', () => {
    const never = deploy({ state: 'failed' });
    const { dispatchedAt: _d, ...notDispatched } = never;
    expect(kinds(effectsOfEvent('fail', notDispatched as Deploy, prod))).toEqual([
      'card',
      'offerQueue',
      'finished',
    ]);
    expect(effectsOfEvent('fail', deploy({ state: 'failed' }), prod)).toContainEqual({
      kind: 'deploymentStatus',
      state: 'failure',
    });
    expect(effectsOfEvent('runCancelled', deploy({ state: 'cancelled' }), prod)).toContainEqual({
      kind: 'deploymentStatus',
      state: 'error',
    });
    expect(kinds(effectsOfEvent('cancel', notDispatched as Deploy, prod))).toEqual(['card', 'offerQueue']);
  });

  it('a re-offer tells the requester; verification owes its first check; verified releases the lock', () => {
    expect(effectsOfEvent('release', deploy(), prod)).toContainEqual({
      kind: 'tellRequester',
      notice: { kind: 'offer' },
    });
    expect(kinds(effectsOfAnnotation('verifying'))).toEqual(['card', 'verificationCheck']);
    expect(kinds(effectsOfAnnotation('verified'))).toEqual(['card', 'releaseLock']);
  });

  it('puts every effect kind in a lane, and the marker after the GitHub status and tag', () => {
    for (const kind of EFFECT_KINDS) expect(LANE_OF[kind], kind).toBeDefined();
    expect(LANE_OF.marker).toBe(LANE_OF.deploymentStatus);
    expect(LANE_OF.marker).toBe(LANE_OF.tag);
    expect(LANE_OF.card).not.toBe(LANE_OF.dispatch);
  });
});

describe('guards of the changes that are not state moves', () => {
  it('starts verification once, only after a success', () => {
    const { guard } = ANNOTATIONS.verifying;
    expect(guardHolds(deploy(), guard)).toBe(true);
    expect(guardHolds(deploy({ verification: 'pending' }), guard)).toBe(false);
    expect(guardHolds(deploy({ state: 'failed' }), guard)).toBe(false);
  });

  it('acknowledges once, flags a stuck run once, re-runs only when asked', () => {
    expect(guardHolds(deploy(), ANNOTATIONS.acknowledge.guard)).toBe(true);
    expect(guardHolds(deploy({ approvedBy: { id: '2', name: 'bob' } }), ANNOTATIONS.acknowledge.guard)).toBe(
      false,
    );
    expect(guardHolds(deploy({ state: 'running' }), ANNOTATIONS.stuck.guard)).toBe(true);
    expect(guardHolds(deploy({ state: 'running', stuck: false }), ANNOTATIONS.stuck.guard)).toBe(true);
    expect(guardHolds(deploy({ state: 'running', stuck: true }), ANNOTATIONS.stuck.guard)).toBe(false);
    expect(guardHolds(deploy({ state: 'running' }), ANNOTATIONS.rerun.guard)).toBe(false);
    expect(guardHolds(deploy({ state: 'running', rerunRequested: true }), ANNOTATIONS.rerun.guard)).toBe(
      true,
    );
  });
});

describe('the outbox records', () => {
  const record = (seq: number, status: EffectRecord['status'] = 'pending'): EffectRecord => ({
    spec: { kind: 'marker' },
    seq,
    status,
    attempts: 0,
    notBefore: at,
  });

  it('keys the card once (re-armed by every change) and every other effect by its change', () => {
    expect(effectKey({ kind: 'card', ping: true }, 4)).toBe('card');
    expect(effectKey({ kind: 'marker' }, 4)).toBe('marker_4');
  });

  it('lists pending effects in the order they were owed, without the done ones', () => {
    const d = deploy({
      effects: { b: record(5), a: record(2), c: record(3, 'done'), g: record(9, 'gave_up') },
    });
    expect(pendingEffects(d).map(([key]) => key)).toEqual(['a', 'b']);
  });

  it('backs off 1 s, 2 s, 4 s … up to two minutes', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(20)).toBe(120_000);
  });
});
