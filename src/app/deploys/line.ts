import type { Deploy, DeployState } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';

/**
 * The FIFO queue of a service+env (§16): requests wait their turn in the order they were made, across
 * requesters. A request that is still undecided — queued, offered (requested), awaiting approval — holds its
 * place; only the head is offered when the way clears.
 */
export const IN_LINE: readonly DeployState[] = ['requested', 'queued', 'awaiting_approval'];

/** Oldest first; the id breaks a tie of the same millisecond. */
export function byRequestOrder(a: Deploy, b: Deploy): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id);
}

/** How many requests for the same service+env wait ahead of `deploy`. */
export async function aheadInLine(deps: AppDeps, deploy: Deploy): Promise<number> {
  // A rollback is the way out of trouble: it never waits behind deploys.
  if (deploy.kind === 'rollback') return 0;
  const line = await deps.repos.deploys.findByStates(IN_LINE, { service: deploy.service, env: deploy.env });
  return line.filter((other) => other.id !== deploy.id && byRequestOrder(other, deploy) < 0).length;
}
