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
/** ends the locks whose ttl is up (announced, audited, their queue offered). */
export const LOCK_EXPIRY_JOB = 'lock-expiry';
/** The status board (§17): the debounced refresh after a change, and the periodic check that it still exists. */
export const STATUS_BOARD_JOB = 'status-board';
export const STATUS_BOARD_CHECK_JOB = 'status-board-check';
/** Continuous delivery (§15): fires a scheduled deploy at its time. */
export const SCHEDULE_FIRE_JOB = 'schedule-fire';
/** Continuous delivery (§15): polls the default branches of opted-in services (the webhook's fallback). */
export const CONTINUOUS_DELIVERY_POLL_JOB = 'continuous-delivery-poll';
/** A progressive rollout's timer: one tick of its pause and analysis (§15). */
export const ROLLOUT_JOB = 'rollout-tick';
