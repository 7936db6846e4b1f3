import { pino } from 'pino';
import { nightlySmoke } from '../../jobs/nightly-smoke.js';
import { nightlySmokeCheck } from '../../jobs/nightly-smoke-check.js';
import type { RegisteredJob } from '../../src/adapters/scheduler/job.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { NIGHTLY_SMOKE_CHECK_JOB } from '../../src/app/smoke.js';
import type { ScheduledJob } from '../helpers/app-deps.js';

/**
 * Drives a night of the nightly smoke as agenda would: the jobs' own definitions (their data parsed by
 * their schemas), the ticks the app scheduled (each uniqueKey once), the app's clock moved to each tick's
 * time. The local GitHub moves its runs on real time, so a short real pause comes before each tick.
 */
const silent = pino({ level: 'silent' });

export async function runJob(
  job: RegisteredJob,
  deps: AppDeps,
  data: Record<string, unknown>,
): Promise<void> {
  await job.run(job.data.parse(data), { deps, log: silent, attempt: 0 });
}

/** Starts a night through the nightly job (as the cron does, or `/smoke run` with its night id). */
export async function startNight(deps: AppDeps, data: Record<string, unknown> = {}): Promise<void> {
  await runJob(nightlySmoke, deps, data);
}

export const checkTicks = (scheduled: readonly ScheduledJob[]) =>
  scheduled.filter((job) => job.name === NIGHTLY_SMOKE_CHECK_JOB);

export async function runTick(deps: AppDeps, job: ScheduledJob): Promise<void> {
  await runJob(nightlySmokeCheck, deps, job.data);
}

/**
 * Runs the recorded check ticks not run yet, in order, until none is left (the night concluded) or `maxTicks` ran;
 * returns how many ran. `moveClockTo` sets the app's clock to a tick's time before it runs.
 */
const ranTicks = new WeakMap<readonly ScheduledJob[], Set<string>>();

export async function runTicks(
  deps: AppDeps,
  scheduled: readonly ScheduledJob[],
  options: { moveClockTo?: (at: Date) => void; maxTicks?: number; pauseMs?: number } = {},
): Promise<number> {
  // Remembered per recording, so a second call goes on where the first stopped (as agenda would).
  const done = ranTicks.get(scheduled) ?? new Set<string>();
  ranTicks.set(scheduled, done);
  const maxTicks = options.maxTicks ?? 100;
  for (let ran = 0; ran < maxTicks;) {
    const next = checkTicks(scheduled).find((job) => !done.has(job.uniqueKey ?? ''));
    if (!next) return ran;
    done.add(next.uniqueKey ?? '');
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 40));
    if (next.at && next.at > deps.clock.now()) options.moveClockTo?.(next.at);
    await runTick(deps, next);
    ran++;
  }
  throw new Error(`the night did not conclude within ${maxTicks} ticks`);
}
