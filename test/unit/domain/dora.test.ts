import { describe, expect, it } from 'vitest';
import { dayOf, doraFigures, leadTimeOf, median, type DoraDeploy } from '../../../src/domain/dora.js';

const H = 3_600_000;
const at = (iso: string) => new Date(`${iso}Z`);
const WINDOW = {
  from: at('2026-11-01T00:00:00'),
  to: at('2026-11-04T00:00:00'),
  prodEnv: 'prod',
  timeZone: 'UTC',
};

function deploy(id: string, over: Partial<DoraDeploy>): DoraDeploy {
  return { id, kind: 'deploy', service: 'api', env: 'prod', state: 'succeeded', ...over };
}

/**
 * Hand-computed: three days, four prod deploys that went live (P1..P4), one of them faulty (P2) and one
 * rolled back (P3); a staging deploy, a failed run and a deploy outside the window that must not count.
 */
const FIXTURE: DoraDeploy[] = [
  // Day 1: P1, lead time 10 h (oldest commit 10 h before live), verified.
  deploy('P1', {
    finishedAt: at('2026-11-01T10:00:00'),
    verification: 'verified',
    commits: [
      { sha: 'a', title: 'a', at: at('2026-11-01T00:00:00') },
      { sha: 'b', title: 'b', at: at('2026-11-01T05:00:00') },
    ],
  }),
  // Day 2: P2 faulty at 09:00, lead time 4 h; restored by P3? No: P3 is rolled back, P4 is verified.
  deploy('P2', {
    finishedAt: at('2026-11-02T09:00:00'),
    verification: 'faulty',
    commits: [{ sha: 'c', title: 'c', at: at('2026-11-02T05:00:00') }],
  }),
  // Day 2: P3 at 12:00 with no commit times (no lead time), rolled back by R1 at 13:00.
  deploy('P3', { finishedAt: at('2026-11-02T12:00:00'), verification: 'pending' }),
  deploy('R1', {
    kind: 'rollback',
    rollbackOf: 'P3',
    finishedAt: at('2026-11-02T13:00:00'),
    verification: 'verified',
  }),
  // Day 3: P4, lead time 2 h, verified.
  deploy('P4', {
    finishedAt: at('2026-11-03T08:00:00'),
    verification: 'verified',
    commits: [{ sha: 'd', title: 'd', at: at('2026-11-03T06:00:00') }],
  }),
  // Ignored: staging, a failed run, and one live after the window.
  deploy('S1', { env: 'staging', finishedAt: at('2026-11-01T08:00:00'), verification: 'faulty' }),
  deploy('F1', { state: 'failed', finishedAt: at('2026-11-02T01:00:00') }),
  deploy('L1', { finishedAt: at('2026-11-04T01:00:00'), verification: 'verified' }),
];

describe('doraFigures', () => {
  const figures = doraFigures(FIXTURE, WINDOW);

  it('counts prod deploys that went live in the window, per day', () => {
    expect(figures.days).toBe(3);
    expect(figures.prodDeploys).toBe(4);
    expect(figures.deploysPerDay).toBeCloseTo(4 / 3);
    expect(figures.daily.map((d) => [d.day, d.deploys])).toEqual([
      ['2026-11-01', 1],
      ['2026-11-02', 2],
      ['2026-11-03', 1],
    ]);
  });

  it('takes the median lead time from the oldest commit to live', () => {
    // P1 10 h, P2 4 h, P4 2 h: median 4 h; P3 has no commit time.
    expect(figures.leadTime).toEqual({ medianMs: 4 * H, samples: 3 });
    expect(figures.daily.map((d) => d.leadTimeMedianMs)).toEqual([10 * H, 4 * H, 2 * H]);
  });

  it('counts faulty and rolled-back deploys as failures', () => {
    expect(figures.changeFailure).toEqual({ failed: 2, of: 4, rate: 0.5 });
  });

  it('measures time to restore up to the next verified deploy of the same service and env', () => {
    // P2 (09:00) -> R1 verified at 13:00: 4 h. P3 (12:00) -> R1 at 13:00: 1 h. Median 2.5 h.
    expect(figures.timeToRestore).toEqual({ medianMs: 2.5 * H, restored: 2, open: 0 });
  });

  it('counts a failure with no verified deploy after it as still open', () => {
    const open = doraFigures(
      [deploy('X', { finishedAt: at('2026-11-01T10:00:00'), verification: 'faulty' })],
      WINDOW,
    );
    expect(open.timeToRestore).toEqual({ restored: 0, open: 1 });
    expect(open.changeFailure.rate).toBe(1);
  });

  it('does not restore a failure with a verified deploy of another service', () => {
    const other = doraFigures(
      [
        deploy('X', { finishedAt: at('2026-11-01T10:00:00'), verification: 'faulty' }),
        deploy('Y', { service: 'web', finishedAt: at('2026-11-01T11:00:00'), verification: 'verified' }),
      ],
      WINDOW,
    );
    expect(other.timeToRestore.open).toBe(1);
  });

  it('gives no rate or medians when nothing was deployed, and still lists every day', () => {
    const empty = doraFigures([], WINDOW);
    expect(empty).toMatchObject({ prodDeploys: 0, deploysPerDay: 0, leadTime: { samples: 0 } });
    expect(empty.changeFailure).toEqual({ failed: 0, of: 0 });
    expect(empty.leadTime.medianMs).toBeUndefined();
    expect(empty.daily).toHaveLength(3);
  });

  it('counts days in the configured time zone', () => {
    const tokyo = doraFigures([deploy('T', { finishedAt: at('2026-11-01T16:00:00') })], {
      ...WINDOW,
      timeZone: 'Asia/Tokyo',
    });
    expect(tokyo.daily.find((d) => d.deploys === 1)?.day).toBe('2026-11-02');
  });
});

describe('helpers', () => {
  it('median of odd, even and empty lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
  it('lead time needs a live time and a commit time, and is never negative', () => {
    expect(leadTimeOf(deploy('A', {}))).toBeUndefined();
    expect(
      leadTimeOf(
        deploy('B', {
          finishedAt: at('2026-11-01T00:00:00'),
          commits: [{ sha: 'x', title: 'x', at: at('2026-11-01T01:00:00') }],
        }),
      ),
    ).toBe(0);
  });
  it('formats days as YYYY-MM-DD', () => {
    expect(dayOf(at('2026-01-05T23:30:00'), 'UTC')).toBe('2026-01-05');
  });
});
