import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { runVerificationCheck, VERIFY_JOB } from '../src/app/verification.js';

/** One post-deploy verification check (§8); schedules the next until the window ends. Critical: it goes on in maintenance. */
export const verifyDeploy = defineJob({
  name: VERIFY_JOB,
  data: z.object({ deployId: z.string().min(1), tick: z.number().int().min(1) }).loose(),
  critical: true,
  async run({ deployId, tick }, { deps }) {
    await runVerificationCheck(deps, deployId, tick);
  },
});
