import { parseStartTime, type StartTime } from './start-time.js';

/**
 * When a scheduled deploy (`/deploy … at:`) fires, as people type it (§15): a bot-timezone `HH:MM` (its
 * next occurrence), a local date and time, an ISO 8601 time, `in 2h`, or a Discord timestamp as the client
 * inserts it (`<t:1767225600:F>`). The time must be in the future and within `SCHEDULE_HORIZON_MS`.
 */
export const SCHEDULE_TIME_FORMATS =
  '"19:00" (next occurrence), "tomorrow 19:00", "2026-11-28 19:00", "in 2h", an ISO time like 2026-11-28T19:00:00Z, or a Discord timestamp <t:1767225600:F>';

/** How far ahead a deploy may be scheduled: further out, the commit and the gates mean little. */
export const SCHEDULE_HORIZON_MS = 30 * 86_400_000;

// Discord's message timestamp markup: seconds since the epoch, optional style letter.
const DISCORD_TIMESTAMP = /^<t:(-?\d{1,13})(?::[tTdDfFR])?>$/;

const bad = (reason: string): StartTime => ({ ok: false, reason });

export function parseScheduleTime(text: string, now: Date, timeZone: string): StartTime {
  const input = text.trim();
  const stamp = DISCORD_TIMESTAMP.exec(input);
  let parsed: StartTime;
  if (stamp) {
    parsed = { ok: true, at: new Date(Number(stamp[1]) * 1000) };
  } else if (/^now$/i.test(input)) {
    return bad('A scheduled deploy needs a time in the future; to deploy now, leave `at` out.');
  } else {
    parsed = parseStartTime(input, now, timeZone);
    if (!parsed.ok) {
      return bad(
        parsed.reason.replace(/Try .*$/, `Try ${SCHEDULE_TIME_FORMATS}.`).replace('start time', 'time'),
      );
    }
  }
  const shown = input.slice(0, 40);
  if (Number.isNaN(parsed.at.getTime())) return bad(`"${shown}" is not a time I can read.`);
  if (parsed.at.getTime() <= now.getTime()) return bad(`"${shown}" is in the past.`);
  if (parsed.at.getTime() - now.getTime() > SCHEDULE_HORIZON_MS) {
    return bad(`"${shown}" is more than 30 days ahead; schedule it closer to the time.`);
  }
  return parsed;
}
