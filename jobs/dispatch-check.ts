import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { DISPATCH_CHECK_JOB } from '../src/app/job-names.js';

/**
 * Jobs of this name were queued by versions before the outbox (a check after approval): the dispatch is now
 * an effect of the approval, so such a job just works the deploy's outbox.
 */
export const dispatchCheck = defineJob({
  name: DISPATCH_CHECK_JOB,
  data: z.object({ deployId: z.string().min(1) }).loose(),
  critical: true,
  async run({ deployId }, { deps }) {
    await deps.outbox.drain(deployId);
  },
});
