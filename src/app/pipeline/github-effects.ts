import type { Deploy } from '../../domain/model.js';
import { targetOf } from '../deploys/context.js';
import type { AppDeps } from '../ports/deps.js';

/**
 * The GitHub side of a deploy (§4.6, §6): the Deployment that mirrors the run, its statuses, and the CalVer
 * tag on prod. Each may be retried after a crash: the Deployment is looked up by deploy_id first, a status
 * only moves GitHub's view forward, and a tag already at the SHA counts as created.
 */

export async function createDeploymentEffect(deps: AppDeps, deploy: Deploy, inDoubt: boolean): Promise<void> {
  const target = targetOf(deps, deploy);
  const repo = target.serviceConfig.repo;
  const environment = target.envConfig.githubEnvironment ?? deploy.env;
  let deploymentId = deploy.githubDeploymentId;
  if (deploymentId === undefined && inDoubt) {
    deploymentId = await deps.github.findDeployment(repo, {
      sha: deploy.sha,
      environment,
      deployId: deploy.id,
    });
  }
  if (deploymentId === undefined) {
    deploymentId = await deps.github.createDeployment(repo, {
      sha: deploy.sha,
      environment,
      description: `${deploy.service} ${deploy.version ?? deploy.id} by ${deploy.requestedBy.name}`,
      payload: { deploy_id: deploy.id, ...(deploy.version ? { version: deploy.version } : {}) },
      production: target.isProd,
    });
  }
  if (deploy.githubDeploymentId !== deploymentId) {
    await deps.repos.deploys.update(deploy.id, { githubDeploymentId: deploymentId }, deps.clock.now());
  }
  await deps.github.createDeploymentStatus(repo, deploymentId, {
    state: 'in_progress',
    ...(deploy.runUrl ? { logUrl: deploy.runUrl } : {}),
    description: `${deploy.version ?? deploy.id} dispatched`,
  });
}

export async function finalDeploymentStatus(
  deps: AppDeps,
  deploy: Deploy,
  state: 'success' | 'failure' | 'error',
): Promise<void> {
  // No Deployment was ever created (its effect gave up): nothing to finish on GitHub.
  if (deploy.githubDeploymentId === undefined) return;
  const target = targetOf(deps, deploy);
  await deps.github.createDeploymentStatus(target.serviceConfig.repo, deploy.githubDeploymentId, {
    state,
    ...(deploy.runUrl ? { logUrl: deploy.runUrl } : {}),
    ...(target.envConfig.healthUrl ? { environmentUrl: target.envConfig.healthUrl } : {}),
    description:
      state === 'success' ? `${deploy.version ?? deploy.id} is live` : (deploy.outcomeReason ?? deploy.state),
  });
}

export async function createTagEffect(deps: AppDeps, deploy: Deploy): Promise<void> {
  if (!deploy.version) return;
  await deps.github.createTag(targetOf(deps, deploy).serviceConfig.repo, deploy.version, deploy.sha);
}
