import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { OUTBOX_JOB } from '../src/app/job-names.js';
import { sweepOutbox } from '../src/app/pipeline/worker.js';

/**
 * The outbox's safety net (§4, §9): every few seconds, every deploy with pending effects is worked — what a
 * crash, a failed Discord edit or a GitHub outage left is done without waiting for the deploy's next change.
 * Critical: a deploy's bookkeeping goes on in maintenance too.
 */
export const deployOutbox = defineJob({
  name: OUTBOX_JOB,
  data: z.object({}).loose(),
  critical: true,
  every: (config) => Math.min(5_000, config.tracking.pollInterval),
  // Short: a sweep stuck in a MongoDB stall must not hold the next one back for long (claims keep two
  // sweeps from working one deploy at once).
  lockLifetimeMs: 15_000,
  async run(_data, { deps }) {
    await sweepOutbox(deps);
  },
});
