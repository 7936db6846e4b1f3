import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { offerQueued } from '../src/app/deploys/queue.js';

/** Offers queued deploys again once their gate has cleared (freeze over, lock lifted, env free) (§4.8). */
export const offerQueuedJob = defineJob({
  name: 'offer-queued',
  data: z.object({}).loose(),
  critical: true,
  every: () => 15_000,
  async run(_data, { deps }) {
    await offerQueued(deps);
  },
});
