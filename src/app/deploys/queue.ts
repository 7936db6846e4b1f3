import { SYSTEM_ACTOR } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { transition } from '../pipeline/transition.js';
import { checkGates } from './gates.js';

/**
 * Offers queued requests again (§4.8) once the way is clear: the request goes back to `requested`, which
 * owes its requester Deploy now / Cancel buttons. Owed when a deploy of the service+env ends, and run by a
 * periodic sweep (which also covers freeze ends and lifted locks). Returns how many were offered.
 */
export async function offerQueued(deps: AppDeps, service?: string, env?: string): Promise<number> {
  const queued = await deps.repos.deploys.findByStates(['queued'], {
    ...(service ? { service } : {}),
    ...(env ? { env } : {}),
  });
  let offered = 0;
  for (const deploy of queued.reverse()) {
    try {
      const check = await checkGates(deps, deploy, { withCommits: false });
      // Offered only when every gate passes: a request still blocked (even by a hard gate) stays queued.
      if (check.blocking) continue;
      const released = await transition(
        deps,
        deploy,
        'release',
        { gates: check.lines },
        { actor: SYSTEM_ACTOR, reason: 'the way is clear' },
      );
      if (released) offered += 1;
    } catch (error) {
      deps.log.warn({ err: error, deployId: deploy.id }, 'could not offer a queued deploy');
    }
  }
  return offered;
}
