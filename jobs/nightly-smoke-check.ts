import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { checkSmokeNight, NIGHTLY_SMOKE_CHECK_JOB } from '../src/app/smoke.js';

/** One look at a night's smoke runs (§8); schedules the next until the night concludes. Paused in maintenance. */
export const nightlySmokeCheck = defineJob({
  name: NIGHTLY_SMOKE_CHECK_JOB,
  data: z.object({ nightId: z.string().min(1), tick: z.number().int().min(1) }).loose(),
  critical: false,
  async run({ nightId, tick }, { deps }) {
    await checkSmokeNight(deps, nightId, tick);
  },
});
