import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { checkDispatch, DISPATCH_CHECK_JOB } from '../src/app/deploys/dispatch.js';

/** The safety net for a crash between approval and dispatch: finds the run, or dispatches once. */
export const dispatchCheck = defineJob({
  name: DISPATCH_CHECK_JOB,
  data: z.object({ deployId: z.string().min(1) }).loose(),
  critical: true,
  async run({ deployId }, { deps }) {
    await checkDispatch(deps, deployId);
  },
});
