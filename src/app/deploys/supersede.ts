import { SYSTEM_ACTOR, type Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { transition } from '../pipeline/transition.js';

/** A newer request or a newer staging SHA makes this one moot. */
export async function supersedeDeploy(deps: AppDeps, deploy: Deploy, why: string): Promise<void> {
  const now = deps.clock.now();
  await deps.repos.approvals.decide(deploy.id, 'void', { at: now, voidReason: why });
  await transition(
    deps,
    deploy,
    'supersede',
    { finishedAt: now, outcomeReason: `Superseded: ${why}.` },
    { actor: SYSTEM_ACTOR, reason: why },
  );
}

/** A newer SHA on staging voids pending prod approvals for other SHAs of the service (§4.3). */
export async function voidStaleProdApprovals(deps: AppDeps, staging: Deploy): Promise<void> {
  const pending = await deps.repos.deploys.findByStates(['awaiting_approval', 'queued'], {
    service: staging.service,
    env: deps.config.prodEnvironment,
  });
  for (const deploy of pending) {
    if (deploy.sha !== staging.sha && deploy.kind === 'deploy') {
      await supersedeDeploy(deps, deploy, `staging moved on to ${staging.sha.slice(0, 7)}`);
    }
  }
}
