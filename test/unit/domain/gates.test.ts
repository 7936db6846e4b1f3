import { describe, expect, it } from 'vitest';
import {
  evaluateGates,
  firstBlocking,
  renderChecklistLine,
  summarize,
  type GateInput,
  type GateResult,
} from '../../../src/domain/gates.js';
import { formatLocalTime } from '../../../src/domain/text.js';

const clear: GateInput = {
  isProd: true,
  maintenance: { on: false },
  ci: 'success',
  smokeRed: false,
  credentialsOk: true,
  override: false,
  staging: { deployed: true, verified: true },
  timeZone: 'Europe/London',
};
const ends = new Date('2026-03-07T22:00:00Z');
const eliteWars = { name: 'Elite Wars', endsAt: ends, inBuffer: false };

const byGate = (results: GateResult[], gate: GateResult['gate']): GateResult | undefined =>
  results.find((r) => r.gate === gate);

describe('evaluateGates', () => {
  it('passes everything, in display order, for a clear prod deploy', () => {
    const results = evaluateGates(clear);
    expect(results.map((r) => r.code)).toEqual([
      'MAINTENANCE',
      'FROZEN',
      'LOCKED',
      'BUSY',
      'NOT_ON_STAGING',
      'CI_NOT_GREEN',
      'SMOKE_RED',
      'GITHUB_CREDENTIALS',
    ]);
    expect(results.every((r) => r.ok && !r.waitable)).toBe(true);
  });

  it('leaves out the prod-only gates for staging', () => {
    const results = evaluateGates({ ...clear, isProd: false, staging: undefined, smokeRed: true });
    expect(results.map((r) => r.code)).toEqual([
      'MAINTENANCE',
      'FROZEN',
      'LOCKED',
      'BUSY',
      'CI_NOT_GREEN',
      'GITHUB_CREDENTIALS',
    ]);
    expect(summarize(results).ok).toBe(true);
  });

  it.each<[string, Partial<GateInput>, GateResult['code'], string, boolean]>([
    ['maintenance', { maintenance: { on: true } }, 'MAINTENANCE', 'Maintenance is on', false],
    [
      'maintenance with reason',
      { maintenance: { on: true, reason: 'DB upgrade' } },
      'MAINTENANCE',
      'Maintenance is on: DB upgrade',
      false,
    ],
    [
      'freeze',
      { freeze: eliteWars },
      'FROZEN',
      'Elite Wars freeze until Sat 7 Mar 22:00 Europe/London',
      true,
    ],
    [
      'freeze buffer',
      { freeze: { ...eliteWars, inBuffer: true } },
      'FROZEN',
      'In the buffer before Elite Wars until Sat 7 Mar 22:00 Europe/London',
      true,
    ],
    [
      'faulty lock',
      { lock: { kind: 'faulty', reason: 'v2026.03.07 faulty' } },
      'LOCKED',
      'Locked (faulty deploy): v2026.03.07 faulty',
      true,
    ],
    [
      'manual lock',
      { lock: { kind: 'manual', reason: 'db migration' } },
      'LOCKED',
      'Locked (manual): db migration',
      true,
    ],
    ['busy', { busyDeployId: 'D7K3F9QXA' }, 'BUSY', 'Deploy D7K3F9QXA is in progress', true],
    [
      'not on staging',
      { staging: { deployed: false, verified: false } },
      'NOT_ON_STAGING',
      'This SHA has not been deployed to staging',
      false,
    ],
    [
      'staging unknown',
      { staging: undefined },
      'NOT_ON_STAGING',
      'This SHA has not been deployed to staging',
      false,
    ],
    [
      'on staging, not verified',
      { staging: { deployed: true, verified: false } },
      'NOT_ON_STAGING',
      'This SHA is on staging but not verified yet',
      false,
    ],
    ['ci pending', { ci: 'pending' }, 'CI_NOT_GREEN', 'CI checks are still running', false],
    ['ci failed', { ci: 'failure' }, 'CI_NOT_GREEN', 'CI checks failed', false],
    ['no ci', { ci: 'none' }, 'CI_NOT_GREEN', 'No CI checks reported for this SHA', false],
    [
      'smoke red',
      { smokeRed: true },
      'SMOKE_RED',
      'Last nightly smoke on staging was red (soft freeze)',
      true,
    ],
    [
      'credentials',
      { credentialsOk: false },
      'GITHUB_CREDENTIALS',
      'GitHub credentials are invalid or lack access',
      false,
    ],
  ])('%s blocks with its reason', (_name, change, code, reason, waitable) => {
    const results = evaluateGates({ ...clear, ...change });
    const failed = results.filter((r) => !r.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code, reason, waitable });
    expect(firstBlocking(results)).toBe(failed[0]);
    expect(summarize(results)).toMatchObject({ ok: false, blocking: failed[0], canQueue: waitable });
  });

  it('gives the end of a freeze as `until`', () => {
    expect(byGate(evaluateGates({ ...clear, freeze: eliteWars }), 'freeze')?.until).toEqual(ends);
  });

  it('an R5 override lifts FROZEN and SMOKE_RED only', () => {
    const results = evaluateGates({
      ...clear,
      override: true,
      freeze: eliteWars,
      smokeRed: true,
      maintenance: { on: true },
      lock: { kind: 'faulty', reason: 'bad' },
    });
    expect(byGate(results, 'freeze')).toMatchObject({
      ok: true,
      reason: 'Elite Wars freeze overridden by an R5 (emergency)',
    });
    expect(byGate(results, 'smoke')).toMatchObject({
      ok: true,
      reason: 'Nightly smoke soft freeze overridden by an R5 (emergency)',
    });
    expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(['MAINTENANCE', 'LOCKED']);
  });

  it('times in reasons default to UTC', () => {
    const results = evaluateGates({ ...clear, timeZone: undefined, freeze: eliteWars });
    expect(byGate(results, 'freeze')?.reason).toBe('Elite Wars freeze until Sat 7 Mar 22:00 UTC');
  });
});

describe('summarize', () => {
  it.each<[string, Partial<GateInput>, boolean, boolean, GateResult['code'] | undefined]>([
    ['all clear', {}, true, false, undefined],
    [
      'only waitable failures: queue',
      { freeze: eliteWars, busyDeployId: 'D1', lock: { kind: 'manual', reason: 'x' } },
      false,
      true,
      'FROZEN',
    ],
    [
      'a hard failure among waitable ones: refuse',
      { freeze: eliteWars, ci: 'failure' },
      false,
      false,
      'FROZEN',
    ],
    ['hard failures only', { ci: 'failure', credentialsOk: false }, false, false, 'CI_NOT_GREEN'],
    [
      'maintenance comes first',
      { maintenance: { on: true }, busyDeployId: 'D1' },
      false,
      false,
      'MAINTENANCE',
    ],
  ])('%s', (_name, change, ok, canQueue, blocking) => {
    const summary = summarize(evaluateGates({ ...clear, ...change }));
    expect(summary.ok).toBe(ok);
    expect(summary.canQueue).toBe(canQueue);
    expect(summary.blocking?.code).toBe(blocking);
    expect(summary.failed.every((r) => !r.ok)).toBe(true);
  });
});

describe('renderChecklistLine', () => {
  it.each([
    [{ ...clear }, 'freeze', { ok: true, code: 'FROZEN', label: 'No freeze', reason: 'No freeze now' }],
    [
      { ...clear, freeze: eliteWars },
      'freeze',
      {
        ok: false,
        code: 'FROZEN',
        label: 'No freeze',
        reason: 'Elite Wars freeze until Sat 7 Mar 22:00 Europe/London',
      },
    ],
    [
      { ...clear },
      'staging',
      {
        ok: true,
        code: 'NOT_ON_STAGING',
        label: 'Deployed and verified on staging',
        reason: 'This SHA is deployed and verified on staging',
      },
    ],
  ] as const)('%#', (input, gate, expected) => {
    const result = byGate(evaluateGates(input), gate);
    expect(result && renderChecklistLine(result)).toEqual(expected);
  });
});

describe('formatLocalTime', () => {
  it.each([
    ['2026-03-07T22:00:00Z', 'Europe/London', 'Sat 7 Mar 22:00 Europe/London'],
    ['2026-06-06T21:00:00Z', 'Europe/London', 'Sat 6 Jun 22:00 Europe/London'],
    ['2026-03-07T23:30:00Z', 'Europe/Berlin', 'Sun 8 Mar 00:30 Europe/Berlin'],
  ])('%s in %s', (when, tz, expected) => {
    expect(formatLocalTime(new Date(when), tz)).toBe(expected);
  });
});
