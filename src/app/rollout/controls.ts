import { UserFacingError } from '../../domain/errors.js';
import type { Actor, Deploy } from '../../domain/model.js';
import { resumed } from '../../domain/rollout.js';
import { canControlRollout, type RoleActor } from '../../domain/roles.js';
import { loadDeploy, rolesFor } from '../deploys/context.js';
import type { AppDeps } from '../ports/deps.js';
import { annotate } from '../pipeline/transition.js';
import { abortRollout } from './abort.js';

export type RolloutControl = 'promote' | 'pause' | 'resume' | 'abort';

/**
 * The rolling-out card's buttons (§15): Promote skips the rest of the pause, Pause/Resume hold the next
 * step, Abort rolls back at once. R4 or R5 (the one permission table), each audited by its change; a click on
 * a rollout that moved on meanwhile is answered, not applied.
 */
export async function controlRollout(
  deps: AppDeps,
  actor: Actor & RoleActor,
  deployId: string,
  control: RolloutControl,
): Promise<Deploy> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canControlRollout(actor, rolesFor(deps, deploy.service));
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const rollout = deploy.rollout;
  if (deploy.state !== 'rolling_out' || !rollout) {
    throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} is not waiting between rollout steps.`);
  }
  const by = { id: actor.id, name: actor.name };
  let changed: Deploy | undefined;
  switch (control) {
    case 'promote':
      if (rollout.paused)
        throw new UserFacingError('ALREADY_DECIDED', 'The rollout is paused: resume it first.');
      changed = await annotate(
        deps,
        deploy,
        'promoteRollout',
        { rollout: { ...rollout, promotedBy: by.name } },
        { actor: by },
        [{ kind: 'progress', event: { kind: 'rolloutPromoted', by: by.name } }],
      );
      break;
    case 'pause': {
      if (rollout.paused)
        throw new UserFacingError('ALREADY_DECIDED', `Already paused by ${rollout.paused.by}.`);
      const reason = 'paused from the card';
      changed = await annotate(
        deps,
        deploy,
        'pauseRollout',
        { rollout: { ...rollout, paused: { by: by.name, reason } } },
        { actor: by, reason },
        [{ kind: 'progress', event: { kind: 'rolloutPaused', by: by.name, reason } }],
      );
      break;
    }
    case 'resume':
      if (!rollout.paused) throw new UserFacingError('ALREADY_DECIDED', 'The rollout is not paused.');
      changed = await annotate(deps, deploy, 'resumeRollout', { rollout: resumed(rollout) }, { actor: by }, [
        { kind: 'progress', event: { kind: 'rolloutResumed', by: by.name } },
      ]);
      break;
    case 'abort':
      changed = await abortRollout(deps, deploy, by, `Aborted by ${by.name}.`);
      break;
  }
  if (!changed)
    throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} changed meanwhile; look again.`);
  await deps.outbox.drain(deploy.id);
  return (await deps.repos.deploys.get(deploy.id)) ?? changed;
}
