import { describe, expect, it } from 'vitest';
import type { Deploy, DeployState } from '../../../src/domain/model.js';
import { progressOf } from '../../../src/domain/progress.js';

const at = new Date('2026-12-01T10:00:00Z');
const deploy = (state: DeployState, over: Partial<Deploy> = {}): Deploy => ({
  id: 'D7K3F9QXA',
  kind: 'deploy',
  service: 'api',
  env: 'prod',
  ref: 'main',
  sha: 'a'.repeat(40),
  state,
  reason: '',
  requestedBy: { id: '1', name: 'alice' },
  createdAt: at,
  updatedAt: at,
  rev: 2,
  ...over,
});

describe("the person's answer is read from the record", () => {
  it('says what the card says for each state', () => {
    expect(progressOf(deploy('awaiting_approval')).kind).toBe('awaiting_approval');
    expect(progressOf(deploy('approved')).kind).toBe('dispatching');
    for (const state of ['dispatched', 'running', 'rolling_out', 'succeeded'] as const) {
      expect(progressOf(deploy(state)).kind).toBe('dispatched');
    }
    for (const state of ['cancelled', 'expired', 'superseded', 'requested'] as const) {
      expect(progressOf(deploy(state)).kind).toBe('lost-race');
    }
  });

  it('names the gate a queued or refused request waits for or was refused by', () => {
    expect(
      progressOf(deploy('queued', { waitingFor: { code: 'FROZEN', reason: 'Release freeze until 22:00' } })),
    ).toMatchObject({ kind: 'queued', code: 'FROZEN', reason: 'Release freeze until 22:00' });
    expect(progressOf(deploy('queued'))).toMatchObject({ kind: 'queued', code: 'BUSY' });
    expect(
      progressOf(deploy('rejected', { outcomeCode: 'CI_NOT_GREEN', outcomeReason: 'CI checks failed' })),
    ).toMatchObject({ kind: 'refused', code: 'CI_NOT_GREEN', reason: 'CI checks failed' });
    expect(progressOf(deploy('rejected', { outcomeCode: 'MAINTENANCE' }))).toMatchObject({ reason: '' });
    // Rejected by an R5 (no gate): not this person's refusal.
    expect(progressOf(deploy('rejected')).kind).toBe('lost-race');
  });

  it('gives the reason of a failure', () => {
    expect(progressOf(deploy('failed', { outcomeReason: 'The workflow run ended: failure.' }))).toMatchObject(
      {
        kind: 'failed',
        reason: 'The workflow run ended: failure.',
      },
    );
    expect(progressOf(deploy('failed'))).toMatchObject({ reason: 'the deploy failed' });
  });
});
