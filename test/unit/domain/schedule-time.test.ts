import { describe, expect, it } from 'vitest';
import { parseScheduleTime, SCHEDULE_HORIZON_MS } from '../../../src/domain/schedule-time.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const at = (text: string, tz = 'Europe/Paris') => parseScheduleTime(text, NOW, tz);

describe('parseScheduleTime (/deploy at:, §15)', () => {
  it('reads HH:MM in the bot timezone as its next occurrence', () => {
    // 12:00Z is 13:00 in Paris: 14:30 is later today, 09:00 is tomorrow.
    expect(at('14:30')).toEqual({ ok: true, at: new Date('2026-03-10T13:30:00Z') });
    expect(at('09:00')).toEqual({ ok: true, at: new Date('2026-03-11T08:00:00Z') });
  });

  it('reads ISO 8601, local date-times and relative times', () => {
    expect(at('2026-03-12T18:00:00Z')).toEqual({ ok: true, at: new Date('2026-03-12T18:00:00Z') });
    expect(at('2026-03-12 19:00')).toEqual({ ok: true, at: new Date('2026-03-12T18:00:00Z') });
    expect(at('in 90m')).toEqual({ ok: true, at: new Date('2026-03-10T13:30:00Z') });
  });

  it('reads a Discord timestamp as the client inserts it, with or without a style', () => {
    const seconds = Date.parse('2026-03-11T07:15:00Z') / 1000;
    expect(at(`<t:${seconds}:F>`)).toEqual({ ok: true, at: new Date(seconds * 1000) });
    expect(at(`<t:${seconds}>`)).toEqual({ ok: true, at: new Date(seconds * 1000) });
  });

  it.each([
    ['now', /leave `at` out/],
    ['2026-03-01T10:00:00Z', /in the past/],
    [`<t:${Date.parse('2026-03-09T00:00:00Z') / 1000}:R>`, /in the past/],
    ['2026-02-30 10:00', /not a real date/],
    ['25:00', /not a time of day/],
    ['next tuesday', /not a time I can read.*Discord timestamp/],
    ['<t:abc:F>', /not a time I can read/],
  ])('refuses %s with a clear reason', (text, reason) => {
    const result = at(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('refuses a time beyond the horizon', () => {
    const far = new Date(NOW.getTime() + SCHEDULE_HORIZON_MS + 60_000).toISOString();
    const result = at(far);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/30 days/);
  });
});
