import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { LOCK_EXPIRY_JOB } from '../src/app/job-names.js';
import { expireLocks } from '../src/app/locks.js';

/**
 * Ends locks whose ttl is up (§16). The gates already treat them as gone from their expiry on; this
 * announces it, audits it and offers the queue. Critical: a lock must end on time during maintenance too.
 */
export const lockExpiry = defineJob({
  name: LOCK_EXPIRY_JOB,
  data: z.object({}).loose(),
  critical: true,
  every: () => 5_000,
  async run(_data, { deps }) {
    await expireLocks(deps);
  },
});
