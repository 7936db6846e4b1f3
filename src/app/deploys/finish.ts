import type { Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { targetOf } from './context.js';
import { supersedeDeploy } from './decide.js';
import { syncCard } from './flow.js';
import { offerQueued } from './queue.js';
import { startVerification } from '../verification.js';

async function quietly(
  deps: AppDeps,
  deploy: Deploy,
  what: string,
  work: () => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    deps.log.warn({ err: error, deployId: deploy.id }, `could not ${what}`);
  }
}

/**
 * After the run's outcome is recorded (exactly once, by the winner of the atomic transition): the GitHub
 * Deployment's final status, the tag and the deploy marker on success (§6), the card, and the queue.
 */
export async function finishDeploy(deps: AppDeps, deploy: Deploy): Promise<void> {
  const target = targetOf(deps, deploy);
  const repo = target.serviceConfig.repo;
  const succeeded = deploy.state === 'succeeded';
  deps.events.finished(deploy.service, deploy.env, deploy.state);

  if (deploy.githubDeploymentId !== undefined) {
    const deploymentId = deploy.githubDeploymentId;
    await quietly(deps, deploy, 'set the deployment status', () =>
      deps.github.createDeploymentStatus(repo, deploymentId, {
        state: succeeded ? 'success' : deploy.state === 'cancelled' ? 'error' : 'failure',
        ...(deploy.runUrl ? { logUrl: deploy.runUrl } : {}),
        ...(target.envConfig.healthUrl ? { environmentUrl: target.envConfig.healthUrl } : {}),
        description: succeeded ? `${deploy.version ?? ''} is live` : (deploy.outcomeReason ?? deploy.state),
      }),
    );
  }

  if (succeeded) {
    if (target.isProd && deploy.version) {
      const version = deploy.version;
      await quietly(deps, deploy, 'create the release tag', () =>
        deps.github.createTag(repo, version, deploy.sha),
      );
    }
    await syncCard(deps, deploy);
    await quietly(deps, deploy, 'post the deploy marker', () => deps.notifier.postMarker(deploy));
    const durationMs =
      deploy.dispatchedAt && deploy.finishedAt
        ? deploy.finishedAt.getTime() - deploy.dispatchedAt.getTime()
        : undefined;
    deps.log.info(
      {
        event: 'deploy.marker',
        deployId: deploy.id,
        service: deploy.service,
        env: deploy.env,
        version: deploy.version,
        sha: deploy.sha,
        buildTime: deploy.finishedAt?.toISOString(),
        requester: deploy.requestedBy.name,
        approver: deploy.approvedBy?.name,
        durationMs,
        runUrl: deploy.runUrl,
        previousVersion: deploy.previousVersion,
      },
      'deploy.marker',
    );
    deps.events.markerPosted(deploy.service, deploy.env);
    await deps.notifier.progress(deploy, `🟢 ${deploy.version ?? ''} is live on ${deploy.env}.`);
    if (deploy.env === deps.config.stagingEnvironment) await voidStaleProdApprovals(deps, deploy);
    await quietly(deps, deploy, 'start post-deploy verification', () => startVerification(deps, deploy));
  } else {
    await syncCard(deps, deploy);
    await deps.notifier.progress(deploy, `🔴 ${deploy.outcomeReason ?? `The deploy ${deploy.state}.`}`);
  }
  await offerQueued(deps, deploy.service, deploy.env);
}

/** A newer SHA on staging voids pending prod approvals for other SHAs of the service (§4.3). */
async function voidStaleProdApprovals(deps: AppDeps, staging: Deploy): Promise<void> {
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
