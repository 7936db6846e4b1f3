import { describe, expect, it } from 'vitest';
import { judgeVerification, WRONG_VERSION_CHECKS } from '../../../src/app/verification.js';

const now = new Date('2025-03-01T10:00:00Z');
const inWindow = { now, endsAt: new Date('2025-03-01T10:10:00Z'), hasHealthUrl: true, autoVerify: false };
const over = { ...inWindow, now: new Date('2025-03-01T10:10:00Z') };
const good = { ok: true, detail: '200, v1' };
const wrong = { ok: false, wrongVersion: 'v0', detail: 'reports v0 instead of v1' };

describe('the verification rule', () => {
  it('stays pending in the window until confirmed and checks pass', () => {
    expect(judgeVerification({ ...inWindow, health: good, wrongVersionInRow: 0 }).outcome).toBe('pending');
    expect(judgeVerification({ ...inWindow, wrongVersionInRow: 0, confirmedBy: 'alice' }).outcome).toBe(
      'pending',
    );
    expect(
      judgeVerification({
        ...inWindow,
        health: good,
        wrongVersionInRow: 0,
        smoke: 'running',
        confirmedBy: 'a',
      }).outcome,
    ).toBe('pending');
    expect(
      judgeVerification({ ...inWindow, health: good, wrongVersionInRow: 0, smoke: 'green', confirmedBy: 'a' })
        .outcome,
    ).toBe('verified');
  });

  it('is faulty at once for a red smoke or a wrong version seen enough checks in a row', () => {
    expect(judgeVerification({ ...inWindow, health: good, wrongVersionInRow: 0, smoke: 'red' }).outcome).toBe(
      'faulty',
    );
    expect(
      judgeVerification({ ...inWindow, health: wrong, wrongVersionInRow: WRONG_VERSION_CHECKS - 1 }).outcome,
    ).toBe('pending');
    expect(
      judgeVerification({
        ...inWindow,
        health: wrong,
        wrongVersionInRow: WRONG_VERSION_CHECKS,
        confirmedBy: 'a',
      }).outcome,
    ).toBe('faulty');
  });

  it('decides at the end of the window', () => {
    expect(judgeVerification({ ...over, health: good, wrongVersionInRow: 0 }).reason).toMatch(
      /Nobody confirmed/,
    );
    expect(judgeVerification({ ...over, autoVerify: true, health: good, wrongVersionInRow: 0 }).outcome).toBe(
      'verified',
    );
    const down = { ok: false, detail: 'answered 503' };
    expect(judgeVerification({ ...over, autoVerify: true, health: down, wrongVersionInRow: 0 }).outcome).toBe(
      'faulty',
    );
    expect(
      judgeVerification({ ...over, autoVerify: true, health: good, wrongVersionInRow: 0, smoke: 'running' })
        .outcome,
    ).toBe('faulty');
    expect(
      judgeVerification({ ...over, hasHealthUrl: false, autoVerify: true, wrongVersionInRow: 0 }).outcome,
    ).toBe('verified');
  });
});
