import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../src/domain/analysis.js';
import {
  analysisVerdict,
  decideRollout,
  firstStep,
  isFinalStep,
  measurementDue,
  nextStep,
  resumed,
  nextTickAt,
  stepLive,
  stepsProblem,
  trafficOf,
  type RolloutSpec,
} from '../../../src/domain/rollout.js';

const now = new Date('2026-12-01T10:00:00Z');
const later = (ms: number): Date => new Date(now.getTime() + ms);
const analysis = {
  queries: [{ name: 'errors', query: 'q', threshold: 0.01, op: '>' as const }],
  interval: 10_000,
  count: 2,
  failureLimit: 0,
  consecutiveErrorLimit: 1,
};
const spec: RolloutSpec = { steps: [5, 25, 50, 100], pause: 60_000, analysis };
const m = (phase: Measurement['phase']): Measurement => ({ query: 'errors', phase, at: now.toISOString() });

describe('rollout steps', () => {
  it('accepts increasing whole percentages ending at 100 and names what is wrong otherwise', () => {
    expect(stepsProblem([5, 25, 50, 100])).toBeUndefined();
    expect(stepsProblem([100])).toBeUndefined();
    expect(stepsProblem([])).toMatch(/at least one/);
    expect(stepsProblem([5, 5, 100])).toMatch(/increase/);
    expect(stepsProblem([5, 50])).toMatch(/100/);
    expect(stepsProblem([0, 100])).toMatch(/1–100/);
    expect(stepsProblem([2.5, 100])).toMatch(/1–100/);
  });

  it('walks the steps with their traffic share', () => {
    let rollout = firstStep(spec, now);
    expect(trafficOf(rollout)).toBe(5);
    expect(isFinalStep(rollout)).toBe(false);
    rollout = nextStep(nextStep(nextStep(rollout, now), now), now);
    expect(trafficOf(rollout)).toBe(100);
    expect(isFinalStep(rollout)).toBe(true);
    expect(nextStep(rollout, now).step).toBe(3);
  });

  it('starts the pause and an empty analysis when a step goes live, keeping a pause by a person', () => {
    const live = stepLive({ ...firstStep(spec, now), paused: { by: 'bob', reason: 'look' } }, spec, now);
    expect(live.nextAt).toEqual(later(60_000));
    expect(live.measurements).toEqual([]);
    expect(live.paused?.by).toBe('bob');
    expect(stepLive(firstStep(spec, now), spec, now).paused).toBeUndefined();
  });
});

describe('resume and measurement spacing', () => {
  it('Resume drops only the pause', () => {
    const live = { ...stepLive(firstStep(spec, now), spec, now), paused: { by: 'bob', reason: 'x' } };
    const back = resumed(live);
    expect(back.paused).toBeUndefined();
    expect(back.nextAt).toEqual(live.nextAt);
  });

  it('measures one interval after the step went live, then not again within half an interval (a duplicate tick)', () => {
    const live = stepLive(firstStep(spec, now), spec, now);
    expect(measurementDue(live, 10_000, now)).toBe(false);
    expect(measurementDue(live, 10_000, later(9_999))).toBe(false);
    expect(measurementDue(live, 10_000, later(10_000))).toBe(true);
    // A step with no live time on record (older records) is measured at once.
    const { liveAt: _liveAt, ...older } = live;
    expect(measurementDue(older, 10_000, now)).toBe(true);
    const once = { ...live, measurements: [m('successful')] };
    expect(measurementDue(once, 10_000, later(4_000))).toBe(false);
    expect(measurementDue(once, 10_000, later(5_000))).toBe(true);
  });
});

describe('decideRollout', () => {
  const live = stepLive(firstStep(spec, now), spec, now);

  it('waits for the end of the pause, then for the analysis, then advances', () => {
    expect(decideRollout({ rollout: live, spec, now })).toEqual({ kind: 'wait', until: later(60_000) });
    const ended = later(60_000);
    expect(
      decideRollout({ rollout: { ...live, measurements: [m('successful')] }, spec, now: ended }).kind,
    ).toBe('wait');
    const passed = { ...live, measurements: [m('successful'), m('successful')] };
    expect(decideRollout({ rollout: passed, spec, now: ended }).kind).toBe('advance');
  });

  it('rolls back on a failed analysis, even while paused', () => {
    const failed = { ...live, measurements: [m('failed')], paused: { by: 'bob', reason: 'x' } };
    expect(decideRollout({ rollout: failed, spec, now }).kind).toBe('rollback');
    // No data once measures again; no data past consecutiveErrorLimit in a row rolls back (fails closed).
    const once = { ...live, measurements: [m('inconclusive')] };
    expect(decideRollout({ rollout: once, spec, now }).kind).toBe('wait');
    const twice = { ...live, measurements: [m('inconclusive'), m('inconclusive')] };
    expect(decideRollout({ rollout: twice, spec, now }).kind).toBe('rollback');
  });

  it('does nothing while paused', () => {
    const paused = { ...live, paused: { by: 'bob', reason: 'x' } };
    expect(decideRollout({ rollout: paused, spec, now: later(120_000) })).toEqual({ kind: 'wait' });
  });

  it('a freeze pauses it before the next step, not during the pause', () => {
    const passed = { ...live, measurements: [m('successful'), m('successful')] };
    expect(decideRollout({ rollout: passed, spec, now, frozen: 'Friday' }).kind).toBe('wait');
    expect(decideRollout({ rollout: passed, spec, now: later(60_000), frozen: 'Friday' })).toEqual({
      kind: 'pause',
      reason: 'Friday',
    });
  });

  it('Promote skips the rest of the pause and of the analysis, never a failed one', () => {
    const promoted = { ...live, promotedBy: 'bob' };
    expect(decideRollout({ rollout: promoted, spec, now }).kind).toBe('advance');
    expect(decideRollout({ rollout: { ...promoted, measurements: [m('failed')] }, spec, now }).kind).toBe(
      'rollback',
    );
  });

  it('without analysis only the pause counts', () => {
    const plain: RolloutSpec = { steps: [50, 100], pause: 1000 };
    const rollout = stepLive(firstStep(plain, now), plain, now);
    expect(analysisVerdict(rollout, plain).phase).toBe('successful');
    expect(decideRollout({ rollout, spec: plain, now: later(1000) }).kind).toBe('advance');
    expect(nextTickAt(rollout, plain, now)).toEqual(later(1000));
    expect(nextTickAt(rollout, plain, later(5000))).toEqual(later(5000));
  });

  it('ticks every interval while the analysis runs', () => {
    expect(nextTickAt(live, spec, now)).toEqual(later(10_000));
    const done = { ...live, measurements: [m('successful'), m('successful')] };
    expect(nextTickAt(done, spec, now)).toEqual(later(60_000));
  });
});
