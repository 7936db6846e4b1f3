import type { Actor, Deploy } from '../../domain/model.js';
import { progressOf, type Progress } from '../../domain/progress.js';
import { approvalRequired } from '../../domain/roles.js';
import type { AppDeps } from '../ports/deps.js';
import type { DeployPatch } from '../ports/repositories.js';
import { transition } from '../pipeline/transition.js';
import { lookAheadVersion } from '../pipeline/version.js';
import { askForApproval } from './approval.js';
import { targetOf } from './context.js';
import { checkGates } from './gates.js';

export type { Progress } from '../../domain/progress.js';

/**
 * Takes a deploy in `requested` one step on (§4): gates first; a hard failure refuses it, a failure that
 * will clear by itself (freeze, lock, busy env) queues it; else it asks for approval or is approved at once
 * (which owes the dispatch). Answers once the step's effects ran, from the record.
 */
export async function proceed(
  deps: AppDeps,
  deploy: Deploy,
  note: { actor: Actor },
  /** No approval card: approved at once when the gates pass (emergency rollback, an approving click). */
  approveAtOnce?: { patch: Omit<DeployPatch, 'state'>; reason: string },
): Promise<Progress> {
  const target = targetOf(deps, deploy);
  const needsApproval =
    !approveAtOnce &&
    approvalRequired({
      kind: deploy.kind,
      envNeedsApproval: target.needsApproval,
      emergency: deploy.emergency ?? false,
    });
  // Approved at once when the gates pass: the dispatch's version is read from GitHub beside them.
  const version = needsApproval ? undefined : lookAheadVersion(deps, deploy);
  const check = await checkGates(deps, deploy, { withCommits: target.needsApproval });
  const snapshot = {
    gates: check.lines,
    ciState: check.ciState,
    ...(check.commits ? { commits: check.commits } : {}),
  };
  let moved: Deploy | undefined;
  if (check.blocking && !check.blocking.waitable) {
    moved = await transition(
      deps,
      deploy,
      'deny',
      {
        ...snapshot,
        outcomeReason: check.blocking.reason,
        outcomeCode: check.blocking.code,
        finishedAt: deps.clock.now(),
      },
      { actor: note.actor, reason: `${check.blocking.code}: ${check.blocking.reason}` },
    );
  } else if (check.blocking) {
    moved = await transition(
      deps,
      deploy,
      'queue',
      {
        ...snapshot,
        waitingFor: { code: check.blocking.code, reason: check.blocking.reason },
        queuePosition: check.position,
      },
      { actor: note.actor, reason: check.blocking.reason },
    );
  } else if (needsApproval) {
    moved = await askForApproval(deps, deploy, snapshot, note);
  } else {
    moved = await transition(
      deps,
      deploy,
      'autoApprove',
      { ...snapshot, ...approveAtOnce?.patch, ...(await version) },
      { actor: note.actor, reason: approveAtOnce?.reason ?? 'no approval needed' },
    );
  }
  return settled(deps, moved, deploy);
}

/** The answer after a step: its effects worked (dispatch included), read back from the record. */
export async function settled(deps: AppDeps, moved: Deploy | undefined, before: Deploy): Promise<Progress> {
  if (!moved) return { kind: 'lost-race', deploy: before };
  await deps.outbox.drain(moved.id);
  return progressOf((await deps.repos.deploys.get(moved.id)) ?? moved);
}
