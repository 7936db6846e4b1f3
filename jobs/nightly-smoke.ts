import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { NIGHTLY_SMOKE_JOB, startSmokeNight } from '../src/app/smoke.js';

/**
 * Starts a night of the nightly smoke on staging (§8), on `nightlySmoke.cron`; `/smoke run` schedules it
 * now with the night's id. Short: the runs are followed by `nightly-smoke-check`. Paused in maintenance.
 */
export const nightlySmoke = defineJob({
  name: NIGHTLY_SMOKE_JOB,
  data: z.object({ nightId: z.string().min(1).optional() }).loose(),
  critical: false,
  cron: (config) => ({ cron: config.nightlySmoke.cron, timezone: config.nightlySmoke.timezone }),
  async run({ nightId }, { deps }) {
    await startSmokeNight(deps, nightId ? { nightId } : {});
  },
});
