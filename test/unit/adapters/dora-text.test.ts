import { describe, expect, it } from 'vitest';
import { doraChartAltText, doraSummary } from '../../../src/adapters/charts/dora-text.js';
import type { DoraFigures } from '../../../src/domain/dora.js';

const figures = (over: Partial<DoraFigures>): DoraFigures => ({
  days: 7,
  prodDeploys: 0,
  deploysPerDay: 0,
  leadTime: { samples: 0 },
  changeFailure: { failed: 0, of: 0 },
  timeToRestore: { restored: 0, open: 0 },
  daily: [],
  ...over,
});

describe('DORA figures in words', () => {
  it('says when there is nothing to measure yet', () => {
    expect(doraSummary(figures({})).map((s) => s.value)).toEqual([
      '0 prod deploys in 7 days (0.00 per day)',
      'no commit times yet',
      'no prod deploys',
      'no failures',
    ]);
  });

  it('uses the singular for one, and counts failures not restored yet', () => {
    const one = figures({
      prodDeploys: 1,
      deploysPerDay: 1 / 7,
      leadTime: { medianMs: 90_000, samples: 1 },
      changeFailure: { failed: 1, of: 1, rate: 1 },
      timeToRestore: { restored: 0, open: 1 },
    });
    expect(doraSummary(one).map((s) => s.value)).toEqual([
      '1 prod deploy in 7 days (0.14 per day)',
      'median 1m 30s over 1 deploy',
      '100% (1 of 1 faulty or rolled back)',
      '1 not restored yet',
    ]);
  });

  it('gives restores with the open ones, and a busy-day alt text within 1 024 characters', () => {
    const busy = figures({
      prodDeploys: 14,
      deploysPerDay: 2,
      timeToRestore: { medianMs: 3_600_000, restored: 2, open: 1 },
      daily: [
        { day: '2026-11-01', deploys: 3 },
        { day: '2026-11-02', deploys: 11 },
      ],
    });
    expect(doraSummary(busy)[0]?.value).toBe('14 prod deploys in 7 days (2.0 per day)');
    expect(doraSummary(busy)[3]?.value).toBe('median 1h (2 restored, 1 open)');
    const alt = doraChartAltText(busy);
    expect(alt).toContain('Busiest day 2026-11-02 with 11 deploys.');
    expect(alt.length).toBeLessThanOrEqual(1024);
  });
});
