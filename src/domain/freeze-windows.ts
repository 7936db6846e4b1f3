import { CronExpressionParser } from 'cron-parser';
import type { Freeze } from './model.js';

/**
 * Freeze-window maths (SPEC §7): "is this env frozen at t, by what, until when", which windows touch a
 * span of time, and when to announce them.
 *
 * Time rules, decided here once:
 * - A recurring window is defined in local wall-clock time in its timezone: it starts at each instant the
 *   5-field cron matches there. The buffer is [start − buffer, start), the freeze [start, start + duration).
 *   All intervals are half-open: at `end` exactly the env is free again.
 * - Durations and buffers are real elapsed time, not wall-clock time: a 3 h window starting 01:30 BST on
 *   the night the clocks go back ends 03:30 GMT (3 h later), not 04:30.
 * - A start time that does not exist locally (spring forward, e.g. 01:30 Europe/London on 2026-03-29)
 *   moves forward by the gap: the window starts at 02:30 BST (01:30 UTC), once.
 * - A start time that occurs twice (fall back, e.g. 01:30 Europe/London on 2026-10-25) counts once, at
 *   its first occurrence (01:30 BST = 00:30 UTC). The repeated hour never starts a second window, also
 *   for crons that fire more often than daily.
 * - One-off freezes have no buffer; a lifted one ends when it was lifted.
 */

export interface FreezeWindow {
  readonly name: string;
  /** Five fields: minute hour day-of-month month day-of-week, matched in `timezone`. */
  readonly cron: string;
  readonly durationMs: number;
  readonly bufferBeforeMs: number;
  /** IANA time zone the cron is read in. */
  readonly timezone: string;
  /** Environments it freezes. */
  readonly envs: readonly string[];
}

/** One occurrence of a recurring window. */
export interface WindowOccurrence {
  readonly name: string;
  readonly envs: readonly string[];
  readonly bufferStartsAt: Date;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

export type FreezeStatus =
  | { readonly frozen: false }
  | {
      readonly frozen: true;
      /** Before the start, in the buffer: deploys are already refused. */
      readonly inBuffer: boolean;
      /** The window's name, or the one-off freeze's reason. */
      readonly name: string;
      readonly startsAt: Date;
      readonly endsAt: Date;
      readonly source: 'window' | 'freeze';
      readonly freezeId?: string;
    };

export type TransitionKind = 'buffer-start' | 'start' | 'end';

/** A moment to announce (agenda jobs at buffer start, start and end). */
export interface FreezeTransition {
  readonly at: Date;
  readonly kind: TransitionKind;
  readonly name: string;
  readonly envs: readonly string[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  /** Stable across calls: use it as the job's unique key so an announcement is scheduled once. */
  readonly key: string;
}

/** One row of `/freeze list`: a window occurrence or a one-off freeze. */
export interface FreezeListing {
  readonly source: 'window' | 'freeze';
  readonly name: string;
  readonly freezeId?: string;
  readonly envs: readonly string[];
  readonly bufferStartsAt: Date;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** What the configuration holds for a window (durations already in ms; timezone optional). */
export interface FreezeWindowSettings {
  readonly name: string;
  readonly cron: string;
  readonly duration: number;
  readonly bufferBefore: number;
  readonly timezone?: string | undefined;
  readonly envs: readonly string[];
}

export function toFreezeWindow(settings: FreezeWindowSettings, defaultTimeZone: string): FreezeWindow {
  return {
    name: settings.name,
    cron: settings.cron.trim(),
    durationMs: settings.duration,
    bufferBeforeMs: settings.bufferBefore,
    timezone: settings.timezone ?? defaultTimeZone,
    envs: settings.envs,
  };
}

const FIELD_NAMES = 'minute hour day-of-month month day-of-week';
// cron-parser's "H" picks a random value per parse: a freeze must start at the same time every time.
const HASH_FIELD = /(^|[^A-Z])H($|[^A-Z])/i;

/** Checks a 5-field cron expression; returns what is wrong with it, or undefined when it is valid. */
export function validateCron(text: string): string | undefined {
  const fields = text.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    return `must be a five-field cron expression (${FIELD_NAMES}), got ${fields.length} field${fields.length === 1 ? '' : 's'}`;
  }
  if (fields.some((field) => HASH_FIELD.test(field))) return 'must not use "H" (a random time)';
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', currentDate: 0 }).next();
    return undefined;
  } catch (error) {
    return `is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

// Iteration starts this long before the first start that matters: cron-parser can miss a start that was
// moved forward by a DST gap when it starts iterating inside that gap.
const ITERATION_MARGIN_MS = 6 * 3_600_000;

/** Reads instants as wall-clock time in one zone (made once per computation: building one is slow). */
export function wallClock(timeZone: string): (at: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** Offset of local wall-clock time from UTC at `at`, in ms (positive east of Greenwich). */
  return (at) => {
    const parts = format.formatToParts(new Date(at));
    const get = (type: Intl.DateTimeFormatPartTypes): number =>
      Number(parts.find((p) => p.type === type)?.value);
    const wall = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour'),
      get('minute'),
      get('second'),
    );
    return wall - Math.floor(at / 1000) * 1000;
  };
}

/** Whether the local wall-clock time at `at` already happened earlier (the repeated hour of a fall back). */
function isRepeatedWallTime(at: number, offsetMs: (at: number) => number): boolean {
  const before = offsetMs(at - 3 * 3_600_000);
  const shift = before - offsetMs(at);
  return shift > 0 && offsetMs(at - shift) === before;
}

/** Starts of `window` in [after, before), with the DST rules above. */
function startsBetween(window: FreezeWindow, after: number, before: number): number[] {
  const expression = CronExpressionParser.parse(window.cron, {
    tz: window.timezone,
    currentDate: after - ITERATION_MARGIN_MS,
  });
  const offsetMs = wallClock(window.timezone);
  const starts = new Set<number>();
  for (;;) {
    const start = expression.next().getTime();
    if (start >= before) break;
    if (start < after || isRepeatedWallTime(start, offsetMs)) continue;
    starts.add(start);
  }
  return [...starts];
}

/** Occurrences whose [buffer start, end) overlaps [from, to), in start order. */
export function occurrences(window: FreezeWindow, from: Date, to: Date): WindowOccurrence[] {
  if (to.getTime() <= from.getTime()) return [];
  const lower = from.getTime() - window.durationMs; // end > from
  const upper = to.getTime() + window.bufferBeforeMs; // buffer start < to
  return startsBetween(window, lower + 1, upper).map((start) => ({
    name: window.name,
    envs: window.envs,
    bufferStartsAt: new Date(start - window.bufferBeforeMs),
    startsAt: new Date(start),
    endsAt: new Date(start + window.durationMs),
  }));
}

/** When a one-off freeze really ends: its end, or when it was lifted if that came first. */
function effectiveEnd(freeze: Freeze): number {
  const end = freeze.endsAt.getTime();
  return freeze.liftedAt ? Math.min(end, freeze.liftedAt.getTime()) : end;
}

type Frozen = Extract<FreezeStatus, { frozen: true }>;

/** Is `env` frozen at `at`, by what, until when. When several apply, the one that ends last is reported. */
export function freezeStatus(
  windows: readonly FreezeWindow[],
  oneOffs: readonly Freeze[],
  env: string,
  at: Date,
): FreezeStatus {
  const t = at.getTime();
  const applying: Frozen[] = [];
  for (const window of windows) {
    if (!window.envs.includes(env)) continue;
    for (const o of occurrences(window, at, new Date(t + 1))) {
      applying.push({
        frozen: true,
        inBuffer: t < o.startsAt.getTime(),
        name: o.name,
        startsAt: o.startsAt,
        endsAt: o.endsAt,
        source: 'window',
      });
    }
  }
  for (const freeze of oneOffs) {
    if (!freeze.envs.includes(env)) continue;
    const end = effectiveEnd(freeze);
    if (freeze.startsAt.getTime() <= t && t < end) {
      applying.push({
        frozen: true,
        inBuffer: false,
        name: freeze.reason,
        startsAt: freeze.startsAt,
        endsAt: new Date(end),
        source: 'freeze',
        freezeId: freeze.id,
      });
    }
  }
  const [winner] = applying.sort(
    (a, b) =>
      b.endsAt.getTime() - a.endsAt.getTime() ||
      Number(a.inBuffer) - Number(b.inBuffer) ||
      a.startsAt.getTime() - b.startsAt.getTime() ||
      a.name.localeCompare(b.name),
  );
  return winner ?? { frozen: false };
}

const KIND_ORDER: Record<TransitionKind, number> = { end: 0, 'buffer-start': 1, start: 2 };

/**
 * Buffer starts, starts and ends of the windows that fall in [from, to), in time order (at the same
 * instant an end comes before a start). A window without a buffer has no buffer-start event.
 */
export function nextTransitions(windows: readonly FreezeWindow[], from: Date, to: Date): FreezeTransition[] {
  const events: FreezeTransition[] = [];
  const inRange = (at: Date): boolean => at.getTime() >= from.getTime() && at.getTime() < to.getTime();
  for (const window of windows) {
    for (const o of occurrences(window, from, to)) {
      const moments: [TransitionKind, Date][] = [
        ['start', o.startsAt],
        ['end', o.endsAt],
      ];
      if (window.bufferBeforeMs > 0) moments.push(['buffer-start', o.bufferStartsAt]);
      for (const [kind, at] of moments) {
        if (!inRange(at)) continue;
        events.push({
          at,
          kind,
          name: o.name,
          envs: o.envs,
          startsAt: o.startsAt,
          endsAt: o.endsAt,
          key: `${o.name}|${kind}|${o.startsAt.toISOString()}`,
        });
      }
    }
  }
  return events.sort(
    (a, b) =>
      a.at.getTime() - b.at.getTime() ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      a.name.localeCompare(b.name),
  );
}

/**
 * `/freeze list`: window occurrences and one-off freezes (not lifted before they began) that touch
 * [from, to), optionally only those freezing `env`, in start order.
 */
export function listFreezes(
  windows: readonly FreezeWindow[],
  oneOffs: readonly Freeze[],
  from: Date,
  to: Date,
  env?: string,
): FreezeListing[] {
  const wanted = (envs: readonly string[]): boolean => env === undefined || envs.includes(env);
  const rows: FreezeListing[] = [];
  for (const window of windows) {
    if (!wanted(window.envs)) continue;
    for (const o of occurrences(window, from, to)) rows.push({ source: 'window', ...o });
  }
  for (const freeze of oneOffs) {
    const end = effectiveEnd(freeze);
    if (!wanted(freeze.envs) || end <= freeze.startsAt.getTime()) continue;
    if (freeze.startsAt.getTime() >= to.getTime() || end <= from.getTime()) continue;
    rows.push({
      source: 'freeze',
      name: freeze.reason,
      freezeId: freeze.id,
      envs: freeze.envs,
      bufferStartsAt: freeze.startsAt,
      startsAt: freeze.startsAt,
      endsAt: new Date(end),
    });
  }
  return rows.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.name.localeCompare(b.name));
}
