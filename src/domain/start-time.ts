import { wallClock } from './freeze-windows.js';
import { parseDuration } from './duration.js';
import { echoInput } from './text.js';

/**
 * Reads the start of a scheduled freeze (`/freeze schedule start:…`) as people type it. Local times are
 * read in the configured timezone, with the freeze maths' rules: a time skipped by a spring-forward moves
 * forward by the gap, a time that occurs twice counts at its first occurrence.
 *
 * Accepted: an ISO time with an offset (`2026-11-28T19:00:00Z`, `2026-11-28T19:00+01:00`); a local date and
 * time (`2026-11-28 19:00`, `2026-11-28T19:00`); `today 19:00`, `tomorrow 19:00`; a bare `19:00` (the next
 * time it is 19:00); `in 2h`, `in 90m`, `in 1h30m`; and `now`.
 */
export const START_TIME_FORMATS =
  '"2026-11-28 19:00", "tomorrow 19:00", "today 19:00", "19:00", "in 2h", or an ISO time like 2026-11-28T19:00:00Z';

export type StartTime =
  { readonly ok: true; readonly at: Date } | { readonly ok: false; readonly reason: string };

const DAY_MS = 86_400_000;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/i;
const DAY_AND_TIME = /^(?:(today|tomorrow)\s+(?:at\s+)?)?(\d{1,2}):(\d{2})$/i;
const RELATIVE = /^in\s+(.+)$/i;

/** Offset of local wall-clock time from UTC in `timeZone` at `at`, in ms (the freeze maths' reading). */
function offsetAt(timeZone: string, at: number): number {
  return wallClock(timeZone)(at);
}

/** The instant a local wall-clock time (given as ms "as if UTC") happens in `timeZone`. */
export function localToInstant(wall: number, timeZone: string): number {
  const before = wall - offsetAt(timeZone, wall - DAY_MS / 2);
  const after = wall - offsetAt(timeZone, wall + DAY_MS / 2);
  const valid = [before, after].filter((t) => t + offsetAt(timeZone, t) === wall);
  // Both valid: the repeated hour of a fall back, first occurrence. None: a spring-forward gap, moved
  // forward by the gap (read with the offset from before the change).
  return valid.length > 0 ? Math.min(...valid) : before;
}

/** Today's date in `timeZone` at `now`, as ms "as if UTC" at midnight. */
function localMidnight(now: Date, timeZone: string): number {
  const wall = now.getTime() + offsetAt(timeZone, now.getTime());
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

function validClock(hour: number, minute: number): boolean {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59;
}

const bad = (reason: string): StartTime => ({ ok: false, reason });

/** Parses `text` into an instant; `now` and `timeZone` give meaning to relative and local times. */
export function parseStartTime(text: string, now: Date, timeZone: string): StartTime {
  const input = text.trim().replace(/\s+/g, ' ');
  const unknown = bad(`"${echoInput(input)}" is not a time I can read. Try ${START_TIME_FORMATS}.`);
  if (input === '') return bad(`The start time is empty. Try ${START_TIME_FORMATS}.`);
  if (/^now$/i.test(input)) return { ok: true, at: now };

  const relative = RELATIVE.exec(input);
  if (relative) {
    const ms = parseDuration(relative[1] ?? '');
    if (ms === undefined)
      return bad(`"${echoInput(input)}": after "in" put a duration like 2h, 90m or 1h30m.`);
    return { ok: true, at: new Date(now.getTime() + ms) };
  }

  if (ISO_WITH_OFFSET.test(input)) {
    const at = Date.parse(input.toUpperCase());
    return Number.isNaN(at) ? unknown : { ok: true, at: new Date(at) };
  }

  const local = LOCAL_DATE_TIME.exec(input);
  if (local) {
    const [year, month, day, hour, minute] = local.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const wall = Date.UTC(year, month - 1, day, hour, minute);
    const check = new Date(wall);
    if (!validClock(hour, minute) || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
      return bad(`"${echoInput(input)}" is not a real date and time.`);
    }
    return { ok: true, at: new Date(localToInstant(wall, timeZone)) };
  }

  const dayTime = DAY_AND_TIME.exec(input);
  if (dayTime) {
    const hour = Number(dayTime[2]);
    const minute = Number(dayTime[3]);
    if (!validClock(hour, minute)) return bad(`"${echoInput(input)}" is not a time of day (00:00–23:59).`);
    const midnight = localMidnight(now, timeZone);
    const clock = hour * 3_600_000 + minute * 60_000;
    const word = dayTime[1]?.toLowerCase();
    if (word === 'tomorrow')
      return { ok: true, at: new Date(localToInstant(midnight + DAY_MS + clock, timeZone)) };
    const today = localToInstant(midnight + clock, timeZone);
    if (word === 'today' || today > now.getTime()) return { ok: true, at: new Date(today) };
    return { ok: true, at: new Date(localToInstant(midnight + DAY_MS + clock, timeZone)) };
  }
  return unknown;
}
