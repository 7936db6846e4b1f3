import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS,
  effectsOfAnnotation,
  effectsOfEvent,
  guardHolds,
  LANE_OF,
} from '../../../src/domain/deploy-effects.js';
import { DEPLOY_EVENTS } from '../../../src/domain/deploy-state.js';
import type { Deploy } from '../../../src/domain/model.js';

/** What a deploy GitHub started and holds at its protection rule owes (§16). */

const at = new Date('2026-12-01T10:00:00Z');
const held = (over: Partial<Deploy> = {}): Deploy => ({
  id: 'D7K3F9QXA',
  kind: 'deploy',
  service: 'api',
  env: 'prod',
  ref: 'main',
  sha: 'a'.repeat(40),
  state: 'approved',
  reason: '',
  requestedBy: { id: 'github:chen', name: 'chen (GitHub)' },
  createdAt: at,
  updatedAt: at,
  rev: 3,
  origin: 'github',
  protection: { runId: 42, environment: 'prod' },
  ...over,
});
/** The same deploy as the bot's own (requested in Discord). */
function fromDiscord(over: Partial<Deploy> = {}): Deploy {
  const { origin: _origin, protection: _protection, ...plain } = held(over);
  return plain;
}
const prod = { isProd: true, isStaging: false };
const kinds = (specs: { kind: string }[]) => specs.map((s) => s.kind);

describe('a deploy held at GitHub protection rule', () => {
  it('an approval owes GitHub the answer "approved", never a dispatch of its own', () => {
    for (const event of ['approve', 'autoApprove'] as const) {
      const owed = effectsOfEvent(event, held(), prod);
      expect(owed).toContainEqual({ kind: 'protectionAnswer', state: 'approved' });
      expect(kinds(owed)).not.toContain('dispatch');
    }
  });

  it('every other end before its run goes on owes "rejected", so GitHub never waits forever', () => {
    for (const event of ['reject', 'deny', 'expire', 'supersede', 'cancel', 'fail'] as const) {
      expect(effectsOfEvent(event, held({ state: 'rejected' }), prod), event).toContainEqual({
        kind: 'protectionAnswer',
        state: 'rejected',
      });
    }
  });

  it('changes that are not an end (queue, start …) owe what the ordinary table says', () => {
    expect(kinds(effectsOfEvent('queue', held({ state: 'queued' }), prod))).toEqual(['card']);
    expect(kinds(effectsOfEvent('requestApproval', held({ state: 'awaiting_approval' }), prod))).toEqual([
      'card',
      'approvalTimers',
    ]);
  });

  it('once the run goes on it is followed like any dispatched deploy: no more answers', () => {
    const running = held({ dispatchedAt: at, state: 'succeeded' });
    for (const event of DEPLOY_EVENTS) {
      expect(kinds(effectsOfEvent(event, running, prod)), event).not.toContain('protectionAnswer');
    }
    expect(kinds(effectsOfEvent('succeed', running, prod))).toContain('marker');
  });

  it('a deploy from Discord never owes an answer from the state table', () => {
    const plain = fromDiscord();
    for (const event of DEPLOY_EVENTS) {
      expect(kinds(effectsOfEvent(event, plain, prod)), event).not.toContain('protectionAnswer');
    }
    expect(kinds(effectsOfEvent('approve', plain, prod))).toContain('dispatch');
  });

  it('the answer goes in the GitHub lane; the own-run annotation holds only for an approved deploy', () => {
    expect(LANE_OF.protectionAnswer).toBe('github');
    expect(effectsOfAnnotation('protectionApproved')).toEqual([]);
    const guard = ANNOTATIONS.protectionApproved.guard;
    expect(guardHolds(fromDiscord({ state: 'dispatched' }), guard)).toBe(true);
    expect(guardHolds(held({ state: 'awaiting_approval' }), guard)).toBe(false);
  });
});
