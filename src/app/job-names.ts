/** The durable jobs the app schedules by name (their definitions live in jobs/). */
export const APPROVAL_JOBS = { remind: 'approval-reminder', expire: 'approval-expiry' } as const;
export const VERIFY_JOB = 'verify-deploy';
export const EMERGENCY_ACK_JOB = 'emergency-ack';
/** Kept for jobs queued by older versions: it now works the deploy's outbox. */
export const DISPATCH_CHECK_JOB = 'dispatch-check';
/** The outbox's safety net: works every deploy with pending effects. */
export const OUTBOX_JOB = 'deploy-outbox';
/** Starts a night of the nightly smoke (cron, or `/smoke run`). */
export const NIGHTLY_SMOKE_JOB = 'nightly-smoke';
/** One look at a night's smoke runs; schedules the next until the night concludes. */
export const NIGHTLY_SMOKE_CHECK_JOB = 'nightly-smoke-check';
/** A progressive rollout's timer: one tick of its pause and analysis (§15). */
export const ROLLOUT_JOB = 'rollout-tick';
