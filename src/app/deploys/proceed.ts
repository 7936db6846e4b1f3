import type { Actor, Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { askForApproval } from './approval.js';
import { targetOf } from './context.js';
import { dispatchDeploy } from './dispatch.js';
import { move, syncCard } from './flow.js';
import { checkGates } from './gates.js';

export type Progress =
  | { kind: 'refused'; deploy: Deploy; code: string; reason: string }
  | { kind: 'queued'; deploy: Deploy; code: string; reason: string }
  | { kind: 'awaiting_approval'; deploy: Deploy }
  | { kind: 'dispatched'; deploy: Deploy }
  | { kind: 'failed'; deploy: Deploy; reason: string }
  | { kind: 'lost-race'; deploy: Deploy };

/**
 * Takes a deploy in `requested` one step on (§4): gates first; a hard failure refuses it, a failure that
 * will clear by itself (freeze, lock, busy env) queues it; else it asks for approval or dispatches at once.
 */
export async function proceed(deps: AppDeps, deploy: Deploy, note: { actor: Actor }): Promise<Progress> {
  const target = targetOf(deps, deploy);
  const check = await checkGates(deps, deploy, { withCommits: target.needsApproval });
  const snapshot = {
    gates: check.lines,
    ...(check.ciState ? { ciState: check.ciState } : {}),
    ...(check.commits ? { commits: check.commits } : {}),
  };

  if (check.blocking && !check.blocking.waitable) {
    const denied = await move(
      deps,
      deploy,
      'deny',
      { ...snapshot, outcomeReason: check.blocking.reason, finishedAt: deps.clock.now() },
      { actor: note.actor, reason: `${check.blocking.code}: ${check.blocking.reason}` },
    );
    return denied
      ? { kind: 'refused', deploy: denied, code: check.blocking.code, reason: check.blocking.reason }
      : { kind: 'lost-race', deploy };
  }
  if (check.blocking) {
    const queued = await move(
      deps,
      deploy,
      'queue',
      { ...snapshot, waitingFor: `${check.blocking.code}: ${check.blocking.reason}` },
      { actor: note.actor, reason: check.blocking.reason },
    );
    if (!queued) return { kind: 'lost-race', deploy };
    await syncCard(deps, queued);
    return { kind: 'queued', deploy: queued, code: check.blocking.code, reason: check.blocking.reason };
  }
  if (target.needsApproval) {
    return askForApproval(deps, deploy, snapshot, note);
  }
  const approved = await move(deps, deploy, 'autoApprove', snapshot, {
    actor: note.actor,
    reason: 'no approval needed',
  });
  if (!approved) return { kind: 'lost-race', deploy };
  return dispatchDeploy(deps, approved, { actor: note.actor, gatesChecked: true });
}
