import type { ErrorCode } from './errors.js';
import type { Deploy } from './model.js';

/** Where a deploy stands after a person's step, for their (ephemeral) answer. */
export type Progress =
  | { kind: 'refused'; deploy: Deploy; code: ErrorCode; reason: string }
  | { kind: 'queued'; deploy: Deploy; code: ErrorCode; reason: string }
  | { kind: 'awaiting_approval'; deploy: Deploy }
  | { kind: 'dispatching'; deploy: Deploy }
  | { kind: 'dispatched'; deploy: Deploy }
  | { kind: 'failed'; deploy: Deploy; reason: string }
  | { kind: 'lost-race'; deploy: Deploy }
  /** §16: an approval was counted; the deploy still waits for more approvers. */
  | { kind: 'approval-counted'; deploy: Deploy; approvals: number; required: number }
  /** Scheduled deploys (§15): stored until its time. */
  | { kind: 'scheduled'; deploy: Deploy };

/** Read from the record once its effects ran: the answer always says what the card says. */
export function progressOf(deploy: Deploy): Progress {
  switch (deploy.state) {
    case 'queued':
      return {
        kind: 'queued',
        deploy,
        code: deploy.waitingFor?.code ?? 'BUSY',
        reason: deploy.waitingFor?.reason ?? 'it waits its turn',
      };
    case 'awaiting_approval':
      return { kind: 'awaiting_approval', deploy };
    case 'scheduled':
      return { kind: 'scheduled', deploy };
    case 'approved':
      return { kind: 'dispatching', deploy };
    // A rollout's first step can go live before the approver's answer is read back (§15).
    case 'dispatched':
    case 'running':
    case 'rolling_out':
    case 'succeeded':
      return { kind: 'dispatched', deploy };
    case 'failed':
      return { kind: 'failed', deploy, reason: deploy.outcomeReason ?? 'the deploy failed' };
    case 'rejected':
      return deploy.outcomeCode
        ? { kind: 'refused', deploy, code: deploy.outcomeCode, reason: deploy.outcomeReason ?? '' }
        : { kind: 'lost-race', deploy };
    default:
      return { kind: 'lost-race', deploy };
  }
}
