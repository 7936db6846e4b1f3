import type { Actor } from '../domain/model.js';
import type { OpsAnnouncement } from './ports/announcements.js';
import type { AppDeps } from './ports/deps.js';
import { transition } from './pipeline/transition.js';
import { boardChanged } from './visibility/board.js';

/** Posts to the ops channel; a Discord hiccup is logged, never fatal to what was already recorded. */
export async function announce(deps: AppDeps, announcement: OpsAnnouncement): Promise<void> {
  try {
    await deps.notifier.announce?.(announcement);
  } catch (error) {
    deps.log.warn({ err: error, kind: announcement.kind }, 'could not post an announcement');
  }
  // Every announcement is a freeze, maintenance or override change: the status board shows them (§17).
  await boardChanged(deps);
}

/**
 * Voids the pending approvals of deploys to `envs` (§4.3: a freeze starts, maintenance turns on). A freeze
 * puts the deploy back in the queue (it is offered again when the freeze ends); maintenance refuses it.
 * Returns how many were voided.
 */
export async function voidPendingApprovals(
  deps: AppDeps,
  envs: readonly string[],
  why: { code: 'FROZEN' | 'MAINTENANCE'; reason: string; actor: Actor },
): Promise<number> {
  let voided = 0;
  for (const env of envs) {
    for (const approval of await deps.repos.approvals.pending({ env })) {
      try {
        const now = deps.clock.now();
        const closed = await deps.repos.approvals.decide(approval.deployId, 'void', {
          at: now,
          voidReason: why.reason,
        });
        if (!closed) continue;
        voided += 1;
        const deploy = await deps.repos.deploys.get(approval.deployId);
        if (!deploy) continue;
        const told = {
          kind: 'tellRequester' as const,
          notice: { kind: 'approvalVoid' as const, reason: why.reason, waits: why.code === 'FROZEN' },
        };
        // One await around the choice (not one in each arm): the coverage of what follows stays exact.
        const moved = await (why.code === 'FROZEN'
          ? transition(
              deps,
              deploy,
              'requeue',
              { waitingFor: { code: 'FROZEN', reason: why.reason } },
              { actor: why.actor, reason: `approval void: ${why.reason}` },
              [told],
            )
          : transition(
              deps,
              deploy,
              'deny',
              {
                outcomeReason: `Approval void: ${why.reason}`,
                outcomeCode: 'MAINTENANCE',
                finishedAt: now,
              },
              { actor: why.actor, reason: `approval void: MAINTENANCE: ${why.reason}` },
              [told],
            ));
        if (moved) await deps.outbox.drain(moved.id);
      } catch (error) {
        deps.log.warn({ err: error, deployId: approval.deployId }, 'could not void an approval');
      }
    }
  }
  return voided;
}
