import type { RegisteredJob } from '../src/adapters/scheduler/job.js';
import { approvalExpiry, approvalReminder } from './approvals.js';
import { deployOutbox } from './deploy-outbox.js';
import { dispatchCheck } from './dispatch-check.js';
import { emergencyAck } from './emergency-ack.js';
import { nightlySmoke } from './nightly-smoke.js';
import { nightlySmokeCheck } from './nightly-smoke-check.js';
import { freezeAnnounce } from './freeze-announce.js';
import { freezePlan } from './freeze-plan.js';
import { offerQueuedJob } from './offer-queued.js';
import { trackRuns } from './track-runs.js';
import { verifyDeploy } from './verify-deploy.js';
import { lockExpiry } from './lock-expiry.js';
import { statusBoard, statusBoardCheck } from './status-board.js';
// Continuous delivery and scheduled deploys (§15).
import { continuousDeliveryPoll } from './continuous-delivery-poll.js';
import { scheduleFire } from './schedule-fire.js';
import { rolloutTick } from './rollout-tick.js';

/** Every durable job, listed explicitly. */
export const jobs: readonly RegisteredJob[] = [
  deployOutbox,
  trackRuns,
  approvalReminder,
  approvalExpiry,
  dispatchCheck,
  offerQueuedJob,
  freezePlan,
  freezeAnnounce,
  verifyDeploy,
  emergencyAck,
  nightlySmoke,
  nightlySmokeCheck,
  // Locks (§16).
  lockExpiry,
  // Visibility (§17).
  statusBoard,
  statusBoardCheck,
  scheduleFire,
  continuousDeliveryPoll,
  // Progressive rollout (§15).
  rolloutTick,
];
