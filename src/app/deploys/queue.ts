import { SYSTEM_ACTOR, type Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { annotate, transition } from '../pipeline/transition.js';
import { checkGates } from './gates.js';
import { byRequestOrder } from './line.js';

/** An offer the head of a queue has not taken up within `queue.offerExpiry`. */
function offerLapsed(deps: AppDeps, deploy: Deploy, now: Date): boolean {
  return (
    deploy.state === 'requested' &&
    deploy.offeredAt !== undefined &&
    deploy.offeredAt.getTime() + deps.config.queue.offerExpiry <= now.getTime()
  );
}

const lineKey = (deploy: Deploy): string => JSON.stringify([deploy.service, deploy.env]);

/**
 * Offers the head of each queue again (§4.8, §16: a FIFO queue per service+env across requesters) once
 * the way is clear: it goes back to `requested`, which owes its requester Deploy now / Cancel. Only the head:
 * the next is offered after the head deployed, was cancelled, or let its offer lapse (`queue.offerExpiry`,
 * which this also ends). Owed when a request leaves the line, and run by a periodic sweep (freeze ends,
 * lifted or expired locks). Returns how many were offered.
 */
export async function offerQueued(deps: AppDeps, service?: string, env?: string): Promise<number> {
  const filter = { ...(service ? { service } : {}), ...(env ? { env } : {}) };
  const waiting = await deps.repos.deploys.findByStates(['queued', 'requested'], filter);
  const lines = new Map<string, Deploy[]>();
  for (const deploy of [...waiting].sort(byRequestOrder)) {
    lines.set(lineKey(deploy), [...(lines.get(lineKey(deploy)) ?? []), deploy]);
  }
  let offered = 0;
  for (const line of lines.values()) {
    try {
      if (await offerHead(deps, line)) offered += 1;
    } catch (error) {
      deps.log.warn({ err: error, deployId: line[0]?.id }, 'could not offer a queued deploy');
    }
  }
  return offered;
}

async function offerHead(deps: AppDeps, line: readonly Deploy[]): Promise<boolean> {
  const now = deps.clock.now();
  for (const open of line.filter((d) => d.state === 'requested' && d.offeredAt !== undefined)) {
    if (!offerLapsed(deps, open, now)) return false; // the head holds its offer
    await transition(
      deps,
      open,
      'lapse',
      { finishedAt: now, outcomeReason: 'The offer to deploy lapsed; the next request in line was offered.' },
      { actor: SYSTEM_ACTOR, reason: 'offer lapsed' },
    );
  }
  const queued = line.filter((d) => d.state === 'queued');
  const head = queued[0];
  if (!head) return false;
  const check = await checkGates(deps, head, { withCommits: false });
  // Offered only when every gate passes: a head still blocked (even by a hard gate) holds the line.
  if (check.blocking) return false;
  const released = await transition(
    deps,
    head,
    'release',
    { gates: check.lines, offeredAt: now, queuePosition: 1 },
    { actor: SYSTEM_ACTOR, reason: 'the way is clear' },
  );
  if (!released) return false;
  // The others move up one place; their cards show it.
  for (const [index, next] of queued.slice(1).entries()) {
    await annotate(
      deps,
      next,
      'movedUp',
      { queuePosition: index + 2 },
      {
        actor: SYSTEM_ACTOR,
        reason: `${head.id} was offered`,
      },
    );
  }
  return true;
}
