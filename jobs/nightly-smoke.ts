import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { NIGHTLY_SMOKE_JOB, runNightlySmoke, SMOKE_RUN_LIMIT_MS } from '../src/app/smoke.js';

/** The nightly smoke on staging (§8), on `nightlySmoke.cron`; `/smoke run` schedules it now. Paused in maintenance. */
export const nightlySmoke = defineJob({
  name: NIGHTLY_SMOKE_JOB,
  data: z.object({}).loose(),
  critical: false,
  cron: (config) => ({ cron: config.nightlySmoke.cron, timezone: config.nightlySmoke.timezone }),
  // The runs are followed inside the job: hold the lock past their limit.
  lockLifetimeMs: SMOKE_RUN_LIMIT_MS + 5 * 60_000,
  async run(_data, { deps }) {
    await runNightlySmoke(deps);
  },
});
