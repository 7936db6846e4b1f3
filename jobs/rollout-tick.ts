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
  // Short: a tick takes a few Prometheus reads (5 s timeout each, in parallel) and atomic changes; a bot
  // killed mid-tick must not hold the rollout's next tick back for agenda's default minute.
  lockLifetimeMs: 15_000,
  async run({ deployId, step }, { deps }) {
    await runRolloutTick(deps, deployId, step);
  },
});
