import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { autoPromoteAfterSmoke, pollBranchHeads } from '../src/app/continuous/index.js';
import { CONTINUOUS_DELIVERY_POLL_JOB } from '../src/app/job-names.js';

/**
 * Continuous delivery's fallback when no webhook came (§15): polls the default branches with ETags, then
 * lets a green nightly smoke approve promotions of services with `autoPromote: afterNightlySmoke`.
 */
export const continuousDeliveryPoll = defineJob({
  name: CONTINUOUS_DELIVERY_POLL_JOB,
  data: z.object({}).loose(),
  critical: false,
  every: (config) => config.continuousDelivery.pollInterval,
  async run(_data, { deps }) {
    await pollBranchHeads(deps);
    await autoPromoteAfterSmoke(deps);
  },
});
