import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { trackActiveDeploys } from '../src/app/deploys/track.js';

/** Follows every dispatched or running deploy's workflow run (§4.6); durable, so it survives restarts. */
export const trackRuns = defineJob({
  name: 'track-runs',
  data: z.object({}).loose(),
  critical: true,
  every: (config) => config.tracking.pollInterval,
  // Short: a sweep stuck in a MongoDB stall must not delay run tracking after it (a sweep run twice is
  // harmless: every change is an atomic transition).
  lockLifetimeMs: 15_000,
  async run(_data, { deps }) {
    await trackActiveDeploys(deps);
  },
});
