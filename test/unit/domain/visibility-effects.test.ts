import { describe, expect, it } from 'vitest';
import {
  effectsOfEvent,
  LANE_OF,
  visibilityEffectsOfAnnotation,
  visibilityEffectsOfEvent,
  ANNOTATIONS,
  type DeployAnnotation,
} from '../../../src/domain/deploy-effects.js';
import { DEPLOY_EVENTS } from '../../../src/domain/deploy-state.js';
import type { Deploy } from '../../../src/domain/model.js';

const prod = { isProd: true, isStaging: false };
const deploy = (over: Partial<Deploy> = {}): Deploy => ({
  id: 'D1',
  kind: 'deploy',
  service: 'api',
  env: 'prod',
  ref: 'main',
  sha: 'a'.repeat(40),
  state: 'succeeded',
  reason: '',
  requestedBy: { id: '1', name: 'alice' },
  createdAt: new Date(0),
  updatedAt: new Date(0),
  version: 'v2026.12.01',
  dispatchedAt: new Date(0),
  rev: 3,
  ...over,
});

describe('visibility effects (§17)', () => {
  it('every state event and every annotation but a confirmation owes a board refresh', () => {
    for (const event of DEPLOY_EVENTS)
      expect(visibilityEffectsOfEvent(event, prod), event).toContainEqual({ kind: 'board' });
    for (const annotation of Object.keys(ANNOTATIONS) as DeployAnnotation[]) {
      const owed = visibilityEffectsOfAnnotation(annotation);
      expect(owed, annotation).toEqual(annotation === 'confirm' ? [] : [{ kind: 'board' }]);
    }
  });

  it('a success owes pull-request feedback only when the service opted in', () => {
    expect(visibilityEffectsOfEvent('succeed', { ...prod, prComments: true })).toEqual([
      { kind: 'prFeedback' },
      { kind: 'board' },
    ]);
    expect(visibilityEffectsOfEvent('succeed', prod)).toEqual([{ kind: 'board' }]);
    expect(visibilityEffectsOfEvent('fail', { ...prod, prComments: true })).toEqual([{ kind: 'board' }]);
  });

  it('a prod deploy owes the Release after the tag and before the marker, in the same lane', () => {
    const kinds = effectsOfEvent('succeed', deploy(), prod).map((e) => e.kind);
    expect(kinds.indexOf('release')).toBeGreaterThan(kinds.indexOf('tag'));
    expect(kinds.indexOf('release')).toBeLessThan(kinds.indexOf('marker'));
    expect(LANE_OF.release).toBe(LANE_OF.tag);
    expect(LANE_OF.release).toBe(LANE_OF.marker);
    expect(LANE_OF.prFeedback).not.toBe(LANE_OF.marker);
  });

  it('no Release for staging, for a rollback, or without a version', () => {
    const none = (d: Deploy, facts = prod) => effectsOfEvent('succeed', d, facts).map((e) => e.kind);
    expect(none(deploy({ env: 'staging' }), { isProd: false, isStaging: true })).not.toContain('release');
    expect(none(deploy({ kind: 'rollback' }))).not.toContain('release');
    const { version: _none, ...unversioned } = deploy();
    expect(none(unversioned as Deploy)).not.toContain('release');
  });
});
