/**
 * The four DORA figures (SPEC §17) from stored deploys alone, so `/stats` and the status page never ask
 * GitHub. Pure: the caller fetches the deploys that finished in the window (and after it, for restores).
 *
 * - deployment frequency: prod deploys (kind `deploy`) that succeeded in the window, per day;
 * - lead time for changes: from the oldest commit of a deploy's range (author date, captured from GitHub's
 *   compare when the card was built) to the deploy going live (`finishedAt`);
 * - change failure rate: those deploys that turned faulty or were rolled back, over all of them;
 * - time to restore: from a failed deploy going live (the failure reached production then) to the next
 *   deploy of the same service+env that went live and was verified.
 */
import type { Deploy } from './model.js';

export type DoraDeploy = Pick<
  Deploy,
  'id' | 'kind' | 'service' | 'env' | 'state' | 'finishedAt' | 'verification' | 'rollbackOf' | 'commits'
>;

export interface DoraWindow {
  /** Inclusive start and exclusive end of the window. */
  readonly from: Date;
  readonly to: Date;
  /** The prod environment's name (config `prodEnvironment`). */
  readonly prodEnv: string;
  /** Days are counted in this time zone (config `timezone`). */
  readonly timeZone: string;
}

export interface DailyFigures {
  /** YYYY-MM-DD in the window's time zone. */
  readonly day: string;
  readonly deploys: number;
  readonly leadTimeMedianMs?: number;
}

export interface DoraFigures {
  readonly days: number;
  readonly prodDeploys: number;
  readonly deploysPerDay: number;
  readonly leadTime: { readonly medianMs?: number; readonly samples: number };
  readonly changeFailure: { readonly failed: number; readonly of: number; readonly rate?: number };
  readonly timeToRestore: { readonly medianMs?: number; readonly restored: number; readonly open: number };
  /** One entry per day of the window, oldest first, days without deploys included. */
  readonly daily: readonly DailyFigures[];
}

const DAY_MS = 86_400_000;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD. */
export function dayOf(at: Date, timeZone: string): string {
  return dayFormat(timeZone).format(at).slice(0, 10);
}
const formats = new Map<string, Intl.DateTimeFormat>();
function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    // en-CA formats dates as YYYY-MM-DD. Cached: building a formatter costs more than formatting.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Lead time of one deploy: live time minus its oldest commit's time; undefined when no commit time is known. */
export function leadTimeOf(deploy: DoraDeploy): number | undefined {
  if (!deploy.finishedAt) return undefined;
  const times = (deploy.commits ?? []).flatMap((c) => (c.at ? [new Date(c.at).getTime()] : []));
  if (times.length === 0) return undefined;
  return Math.max(0, deploy.finishedAt.getTime() - Math.min(...times));
}

const live = (d: DoraDeploy): d is DoraDeploy & { finishedAt: Date } =>
  d.state === 'succeeded' && d.finishedAt !== undefined;

export function doraFigures(deploys: readonly DoraDeploy[], window: DoraWindow): DoraFigures {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const lived = deploys.filter(live).sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
  const inWindow = lived.filter(
    (d) =>
      d.kind === 'deploy' &&
      d.env === window.prodEnv &&
      d.finishedAt.getTime() >= from &&
      d.finishedAt.getTime() < to,
  );
  const rolledBack = new Set(
    lived.flatMap((d) => (d.kind === 'rollback' && d.rollbackOf ? [d.rollbackOf] : [])),
  );
  const failed = inWindow.filter((d) => d.verification === 'faulty' || rolledBack.has(d.id));

  const restores: number[] = [];
  let open = 0;
  for (const bad of failed) {
    const fix = lived.find(
      (d) =>
        d.service === bad.service &&
        d.env === bad.env &&
        d.verification === 'verified' &&
        d.finishedAt.getTime() > bad.finishedAt.getTime(),
    );
    if (fix) restores.push(fix.finishedAt.getTime() - bad.finishedAt.getTime());
    else open += 1;
  }

  const perDay = new Map<string, { deploys: number; leadTimes: number[] }>();
  const leadTimes: number[] = [];
  for (const d of inWindow) {
    const day = dayOf(d.finishedAt, window.timeZone);
    const entry = perDay.get(day) ?? { deploys: 0, leadTimes: [] };
    entry.deploys += 1;
    const ms = leadTimeOf(d);
    if (ms !== undefined) {
      entry.leadTimes.push(ms);
      leadTimes.push(ms);
    }
    perDay.set(day, entry);
  }
  const days = Math.max(1, Math.round((to - from) / DAY_MS));
  const daily: DailyFigures[] = [];
  const seen = new Set<string>();
  // Walk the window in half days so a day is never skipped across a daylight-saving change.
  for (let t = from; t < to; t += DAY_MS / 2) {
    const day = dayOf(new Date(t), window.timeZone);
    if (seen.has(day)) continue;
    seen.add(day);
    const entry = perDay.get(day);
    const leadMedian = median(entry?.leadTimes ?? []);
    daily.push({
      day,
      deploys: entry?.deploys ?? 0,
      ...(leadMedian === undefined ? {} : { leadTimeMedianMs: leadMedian }),
    });
  }

  const leadMedian = median(leadTimes);
  const restoreMedian = median(restores);
  return {
    days,
    prodDeploys: inWindow.length,
    deploysPerDay: inWindow.length / days,
    leadTime: { ...(leadMedian === undefined ? {} : { medianMs: leadMedian }), samples: leadTimes.length },
    changeFailure: {
      failed: failed.length,
      of: inWindow.length,
      ...(inWindow.length > 0 ? { rate: failed.length / inWindow.length } : {}),
    },
    timeToRestore: {
      ...(restoreMedian === undefined ? {} : { medianMs: restoreMedian }),
      restored: restores.length,
      open,
    },
    daily,
  };
}
