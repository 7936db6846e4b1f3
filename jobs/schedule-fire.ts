import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { fireScheduled } from '../src/app/continuous/schedule.js';
import { SCHEDULE_FIRE_JOB } from '../src/app/job-names.js';

/**
 * Fires a scheduled deploy at its time (§15). Critical: it runs in maintenance too, where the gates refuse
 * it as they would refuse a person, rather than the request being silently skipped. Idempotent: the `fire`
 * event is one conditional write.
 */
export const scheduleFire = defineJob({
  name: SCHEDULE_FIRE_JOB,
  data: z.object({ deployId: z.string().min(1) }).loose(),
  critical: true,
  async run({ deployId }, { deps }) {
    await fireScheduled(deps, deployId);
  },
});
