import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { EMERGENCY_ACK_JOB, remindAcknowledgement } from '../src/app/rollback.js';

/**
 * Re-pings the R5s until an emergency rollback is acknowledged (§3). Critical so the chain survives
 * maintenance; it does not ping while maintenance is on, only schedules the next round.
 */
export const emergencyAck = defineJob({
  name: EMERGENCY_ACK_JOB,
  data: z.object({ deployId: z.string().min(1), round: z.number().int().min(1) }).loose(),
  critical: true,
  async run({ deployId, round }, { deps }) {
    await remindAcknowledgement(deps, deployId, round);
  },
});
