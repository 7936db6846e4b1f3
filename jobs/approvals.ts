import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { APPROVAL_JOBS, expireApproval, remindApprovers } from '../src/app/deploys/approval.js';

const data = z.object({ deployId: z.string().min(1) }).loose();

/** The half-time re-ping of a pending approval (§4.2); a reminder, so paused during maintenance. */
export const approvalReminder = defineJob({
  name: APPROVAL_JOBS.remind,
  data,
  critical: false,
  async run({ deployId }, { deps }) {
    await remindApprovers(deps, deployId);
  },
});

/** Closes an approval nobody decided in time (§4.2). */
export const approvalExpiry = defineJob({
  name: APPROVAL_JOBS.expire,
  data,
  critical: true,
  async run({ deployId }, { deps }) {
    await expireApproval(deps, deployId);
  },
});
