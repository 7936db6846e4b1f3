import { SYSTEM_ACTOR } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { move, syncCard } from './flow.js';
import { checkGates } from './gates.js';

/**
 * Offers queued requests again (§4.8) once the way is clear: the request goes back to `requested` and its
 * requester gets Deploy now / Cancel buttons. Called when a deploy finishes and by a periodic sweep (which
 * also covers freeze ends and lifted locks). Returns how many were offered.
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
      const released = await move(
        deps,
        deploy,
        'release',
        { gates: check.lines },
        { actor: SYSTEM_ACTOR, reason: 'the way is clear' },
      );
      if (!released) continue;
      offered += 1;
      await syncCard(deps, released);
      await deps.notifier.tellRequester(
        released,
        `the way is clear for your queued deploy ${released.id} (${released.service} → ${released.env}). Deploy now?`,
        'deploy-now',
      );
    } catch (error) {
      deps.log.warn({ err: error, deployId: deploy.id }, 'could not offer a queued deploy');
    }
  }
  return offered;
}
