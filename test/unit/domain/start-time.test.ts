import { describe, expect, it } from 'vitest';
import { parseStartTime } from '../../../src/domain/start-time.js';

// Thursday 26 Nov 2026, 10:15 in London (GMT, UTC+0); 20 Mar 2026 is before the spring-forward (29 Mar).
const NOW = new Date('2026-11-26T10:15:00Z');
const at = (text: string, now = NOW, tz = 'Europe/London'): string => {
  const parsed = parseStartTime(text, now, tz);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.at.toISOString();
};

describe('parseStartTime: /freeze schedule start text', () => {
  it.each([
    ['2026-11-28 19:00', '2026-11-28T19:00:00.000Z'],
    ['2026-11-28T19:00', '2026-11-28T19:00:00.000Z'],
    ['2026-07-04 19:00', '2026-07-04T18:00:00.000Z'], // BST: local 19:00 is 18:00 UTC
    ['2026-11-28T19:00:00Z', '2026-11-28T19:00:00.000Z'],
    ['2026-11-28T19:00+01:00', '2026-11-28T18:00:00.000Z'],
    ['tomorrow 19:00', '2026-11-27T19:00:00.000Z'],
    ['Tomorrow at 7:05', '2026-11-27T07:05:00.000Z'],
    ['today 19:00', '2026-11-26T19:00:00.000Z'],
    ['19:00', '2026-11-26T19:00:00.000Z'],
    ['09:00', '2026-11-27T09:00:00.000Z'], // already past today: the next 09:00
    ['in 2h', '2026-11-26T12:15:00.000Z'],
    ['in 1h30m', '2026-11-26T11:45:00.000Z'],
    ['IN 90m', '2026-11-26T11:45:00.000Z'],
    ['now', '2026-11-26T10:15:00.000Z'],
  ])('reads %j', (text, expected) => {
    expect(at(text)).toBe(expected);
  });

  it('reads local times in the configured timezone', () => {
    expect(at('2026-11-28 19:00', NOW, 'America/New_York')).toBe('2026-11-29T00:00:00.000Z');
    expect(at('tomorrow 19:00', NOW, 'Asia/Tokyo')).toBe('2026-11-27T10:00:00.000Z'); // Tokyo is already on the 26th evening
  });

  it('uses the local date, not the UTC date, for "tomorrow"', () => {
    // 23:30 UTC on the 26th is 08:30 on the 27th in Tokyo: tomorrow there is the 28th.
    expect(at('tomorrow 09:00', new Date('2026-11-26T23:30:00Z'), 'Asia/Tokyo')).toBe(
      '2026-11-28T00:00:00.000Z',
    );
  });

  it('moves a time skipped by the spring-forward on by the gap, and takes a repeated time once, first', () => {
    expect(at('2026-03-29 01:30', NOW)).toBe('2026-03-29T01:30:00.000Z'); // 02:30 BST
    expect(at('2026-10-25 01:30', NOW)).toBe('2026-10-25T00:30:00.000Z'); // 01:30 BST, not 01:30 GMT
  });

  it.each([
    ['', /empty/],
    ['next friday', /not a time I can read/],
    ['2026-02-30 10:00', /not a real date/],
    ['2026-11-28 25:00', /not a real date/],
    ['tomorrow 24:10', /not a time of day/],
    ['in a while', /duration like 2h/],
    ['28/11/2026 19:00', /Try "2026-11-28 19:00"/],
  ])('refuses %j with a clear reason', (text, reason) => {
    const parsed = parseStartTime(text, NOW, 'Europe/London');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});
