import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { ROLLOUT_JOB } from '../src/app/job-names.js';
import { runRolloutTick } from '../src/app/rollout/tick.js';

/**
 * One tick of a progressive rollout's pause (§15): measure, then roll back, pause, advance or wait. Critical:
 * in maintenance it still runs, so a bad canary is still rolled back (the tick itself holds the next step).
 */
export const rolloutTick = defineJob({
  name: ROLLOUT_JOB,
  data: z.object({ deployId: z.string().min(1), step: z.number().int().min(0) }).loose(),
  critical: true,
  async run({ deployId, step }, { deps }) {
    await runRolloutTick(deps, deployId, step);
  },
});
