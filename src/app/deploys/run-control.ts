import { UserFacingError } from '../../domain/errors.js';
import type { Actor } from '../../domain/model.js';
import { canControlRun, type RoleActor } from '../../domain/roles.js';
import type { AppDeps } from '../ports/deps.js';
import { loadDeploy, rolesFor, targetOf } from './context.js';
import { isGitHubError } from '../ports/github.js';
import { audit } from '../audit.js';

type Acting = Actor & RoleActor;

async function runOf(deps: AppDeps, actor: Acting, deployId: string) {
  const deploy = await loadDeploy(deps, deployId);
  // Cancelling or re-running a run is an operator's call: R4 or R5 for staging, R5 for an approved env.
  const target = targetOf(deps, deploy);
  const permission = canControlRun(actor, rolesFor(deps, target.service), target.needsApproval);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (deploy.state !== 'dispatched' && deploy.state !== 'running') {
    throw new UserFacingError(
      'ALREADY_DECIDED',
      `Deploy ${deploy.id} has no run in flight (${deploy.state}).`,
    );
  }
  if (deploy.runId === undefined)
    throw new UserFacingError('NOT_FOUND', 'The run has not been found on GitHub yet.');
  return { deploy, repo: target.serviceConfig.repo, runId: deploy.runId };
}

/** Cancel a stuck run (§4.6); the tracker sees it end as cancelled and records that. */
export async function cancelRun(deps: AppDeps, actor: Acting, deployId: string): Promise<void> {
  const { deploy, repo, runId } = await runOf(deps, actor, deployId);
  try {
    await deps.github.cancelRun(repo, runId);
  } catch (error) {
    throw refusedBy(error, 'cancel the run');
  }
  await audit(deps, deploy, 'deploy.run-cancel-requested', { actor });
}

/**
 * Re-run a stuck run: GitHub re-runs only finished runs, so the run is cancelled first and the tracker
 * re-runs it (same run id, a new attempt) when it sees the cancellation — no second deploy record.
 */
export async function rerunRun(deps: AppDeps, actor: Acting, deployId: string): Promise<void> {
  const { deploy, repo, runId } = await runOf(deps, actor, deployId);
  await deps.repos.deploys.update(deploy.id, { rerunRequested: true }, deps.clock.now());
  try {
    await deps.github.cancelRun(repo, runId);
  } catch (error) {
    await deps.repos.deploys.update(deploy.id, { rerunRequested: false }, deps.clock.now());
    throw refusedBy(error, 'cancel the run before re-running it');
  }
  await audit(deps, deploy, 'deploy.run-rerun-requested', { actor });
}

/** GitHub saying no to a run action (409 already finished, 403 not allowed) is the person's answer. */
function refusedBy(error: unknown, what: string): unknown {
  if (isGitHubError(error) && (error.status === 403 || error.status === 409)) {
    return new UserFacingError('ALREADY_DECIDED', `GitHub would not ${what}: ${error.message}`);
  }
  return error;
}
