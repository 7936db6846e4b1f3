import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { FREEZE_JOBS, planAnnouncements } from '../src/app/freeze-announcements.js';

/**
 * Schedules the freeze announcements of the next 24 h (§7), once at startup and every minute: one job per
 * transition, keyed so it is scheduled once across instances. Bookkeeping only, so it runs in maintenance.
 */
export const freezePlan = defineJob({
  name: FREEZE_JOBS.plan,
  data: z.object({}).loose(),
  critical: true,
  every: () => 60_000,
  async run(_data, { deps, log }) {
    const planned = await planAnnouncements(deps);
    log.debug({ planned }, 'freeze announcements planned');
  },
});
