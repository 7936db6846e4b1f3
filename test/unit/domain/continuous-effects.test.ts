import { describe, expect, it } from 'vitest';
import {
  effectsOfAnnotation,
  effectsOfEvent,
  guardHolds,
  ANNOTATIONS,
} from '../../../src/domain/deploy-effects.js';
import { isId, stableId } from '../../../src/domain/ids.js';
import { AUTO_ACTOR, type Deploy } from '../../../src/domain/model.js';

const deploy = (over: Partial<Deploy> = {}): Deploy => ({
  id: 'D00000000',
  kind: 'deploy',
  service: 'api',
  env: 'staging',
  ref: 'main',
  sha: 'a'.repeat(40),
  state: 'succeeded',
  reason: '',
  requestedBy: AUTO_ACTOR,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  rev: 1,
  ...over,
});
const kinds = (specs: { kind: string }[]) => specs.map((s) => s.kind);
const staging = { isProd: false, isStaging: true };
const prod = { isProd: true, isStaging: false };

describe('what continuous delivery and scheduled deploys owe (§15)', () => {
  it('a verified staging deploy by auto owes the promotion; by a person, or on prod, it does not', () => {
    expect(kinds(effectsOfAnnotation('verified', deploy(), staging))).toEqual([
      'card',
      'releaseLock',
      'promotion',
    ]);
    const person = deploy({ requestedBy: { id: '1', name: 'alice' } });
    expect(kinds(effectsOfAnnotation('verified', person, staging))).toEqual(['card', 'releaseLock']);
    expect(kinds(effectsOfAnnotation('verified', deploy({ env: 'prod' }), prod))).toEqual([
      'card',
      'releaseLock',
    ]);
    expect(kinds(effectsOfAnnotation('verified', deploy({ kind: 'rollback' }), staging))).toEqual([
      'card',
      'releaseLock',
    ]);
  });

  it('schedule arms the fire job with the card; fire and unschedule re-render the card', () => {
    const scheduled = deploy({ state: 'scheduled' });
    expect(kinds(effectsOfEvent('schedule', scheduled, staging))).toEqual(['card', 'scheduleFire']);
    expect(kinds(effectsOfEvent('fire', deploy({ state: 'requested' }), staging))).toEqual(['card']);
    expect(kinds(effectsOfEvent('unschedule', deploy({ state: 'cancelled' }), staging))).toEqual(['card']);
    expect(kinds(effectsOfAnnotation('preApprove'))).toEqual(['card']);
  });

  it('an approval in advance is taken once, and only while scheduled', () => {
    const { guard } = ANNOTATIONS.preApprove;
    expect(guardHolds(deploy({ state: 'scheduled' }), guard)).toBe(true);
    const by = { id: '2', name: 'bob' };
    expect(
      guardHolds(deploy({ state: 'scheduled', preApproval: { by, sha: 'a', at: new Date(0) } }), guard),
    ).toBe(false);
    expect(guardHolds(deploy({ state: 'requested' }), guard)).toBe(false);
  });

  it('stableId gives the same readable id for the same key, another for another key', () => {
    const id = stableId('D', 'auto-deploy', 'api', 'staging', 'abc');
    expect(isId(id, 'D')).toBe(true);
    expect(stableId('D', 'auto-deploy', 'api', 'staging', 'abc')).toBe(id);
    expect(stableId('D', 'auto-deploy', 'api', 'staging', 'abd')).not.toBe(id);
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    expect(stableId('D', 'ab', 'c')).not.toBe(stableId('D', 'a', 'bc'));
  });
});
