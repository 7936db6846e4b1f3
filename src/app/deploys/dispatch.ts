import { localDate, nextVersion } from '../../domain/calver.js';
import { SYSTEM_ACTOR, type Actor, type Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { targetOf } from './context.js';
import { move, syncCard } from './flow.js';
import { checkGates, holdBack } from './gates.js';
import type { Progress } from './proceed.js';

export const DISPATCH_CHECK_JOB = 'dispatch-check';

/** The CalVer version (§6) this deploy gets: from the repo's tags, in the bot's time zone. */
async function versionFor(deps: AppDeps, deploy: Deploy): Promise<string> {
  const repo = targetOf(deps, deploy).serviceConfig.repo;
  const now = deps.clock.now();
  // Only today's tags matter for today's version (and a one-page answer can be asked for with its ETag).
  const today = localDate(now, deps.config.timezone);
  const prefix = `v${today.year}.${String(today.month).padStart(2, '0')}.${String(today.day).padStart(2, '0')}`;
  const tags = await deps.github.listTags(repo, prefix);
  return nextVersion(tags, now, deps.config.timezone);
}

/**
 * Dispatch (§4.5): gates once more, a version, then `workflow_dispatch` with inputs environment, sha,
 * version and deploy_id. The adapter never sends a second dispatch for the same deploy_id: on a retryable
 * failure it looks for the run first. A durable check job covers a crash between approval and dispatch.
 */
export async function dispatchDeploy(
  deps: AppDeps,
  deploy: Deploy,
  options: { actor: Actor; gatesChecked?: boolean },
): Promise<Progress> {
  const target = targetOf(deps, deploy);
  const now = deps.clock.now();
  // The version lookup (a GitHub read) runs while the safety job is written; awaited before the dispatch.
  const versionLookup = deploy.version ? Promise.resolve(deploy.version) : versionFor(deps, deploy);
  versionLookup.catch(() => undefined); // a gate refusal below leaves it unused; its error is read there
  // If this process dies before the dispatch is recorded, the check job finds the run or dispatches.
  await deps.jobs.schedule(
    DISPATCH_CHECK_JOB,
    { deployId: deploy.id },
    { at: new Date(now.getTime() + 60_000), uniqueKey: `dispatch:${deploy.id}` },
  );

  // When the caller evaluated the gates a moment ago in this same step (approval, staging request), that
  // evaluation is the one "immediately before dispatch"; otherwise (resumed, crash check) evaluate now.
  const check = options.gatesChecked
    ? { lines: [], blocking: undefined }
    : await checkGates(deps, deploy, { withCommits: false, justBeforeDispatch: true });
  if (check.blocking) {
    const moved = await holdBack(
      deps,
      deploy,
      { ...check, blocking: check.blocking },
      {
        actor: options.actor,
        reason: `${check.blocking.code} just before dispatch`,
      },
    );
    if (moved) await syncCard(deps, moved);
    return check.blocking.waitable
      ? { kind: 'queued', deploy: moved ?? deploy, code: check.blocking.code, reason: check.blocking.reason }
      : {
          kind: 'refused',
          deploy: moved ?? deploy,
          code: check.blocking.code,
          reason: check.blocking.reason,
        };
  }

  let version: string;
  let run: { runId?: number; runUrl?: string };
  try {
    version = await versionLookup;
    // Recorded before the dispatch, so the crash check can finish the record with the same version.
    if (!deploy.version) await deps.repos.deploys.update(deploy.id, { version }, deps.clock.now());
    run = await deps.github.dispatch(target.serviceConfig.repo, target.serviceConfig.workflow, {
      ref: target.serviceConfig.defaultRef,
      inputs: { environment: deploy.env, sha: deploy.sha, version, deploy_id: deploy.id },
    });
  } catch (error) {
    const reason = `GitHub refused the dispatch: ${error instanceof Error ? error.message : String(error)}`;
    deps.log.error({ err: error, deployId: deploy.id }, 'dispatch failed');
    const failed = await move(
      deps,
      deploy,
      'fail',
      { outcomeReason: reason, finishedAt: deps.clock.now() },
      { actor: SYSTEM_ACTOR, reason },
    );
    if (failed) await syncCard(deps, failed);
    return { kind: 'failed', deploy: failed ?? deploy, reason };
  }

  const dispatched = await move(
    deps,
    deploy,
    'dispatch',
    {
      version,
      dispatchedAt: deps.clock.now(),
      ...(run.runId ? { runId: run.runId } : {}),
      ...(run.runUrl ? { runUrl: run.runUrl } : {}),
    },
    { actor: options.actor, details: { version, ...(run.runId ? { runId: run.runId } : {}) } },
  );
  if (!dispatched) return { kind: 'lost-race', deploy };
  await deps.jobs.cancel(DISPATCH_CHECK_JOB, { deployId: deploy.id });
  await syncCard(deps, dispatched);
  await deps.notifier.progress(
    dispatched,
    `📤 Dispatched ${version} (\`${deploy.sha.slice(0, 7)}\`)${run.runUrl ? ` — [run](${run.runUrl})` : ''}`,
  );

  // The GitHub Deployment mirrors the run so the state is visible in GitHub too.
  let withDeployment = dispatched;
  try {
    const deploymentId = await deps.github.createDeployment(target.serviceConfig.repo, {
      sha: deploy.sha,
      environment: target.envConfig.githubEnvironment ?? deploy.env,
      description: `${deploy.service} ${version} by ${deploy.requestedBy.name}`,
      payload: { deploy_id: deploy.id, version },
      production: target.isProd,
    });
    withDeployment =
      (await deps.repos.deploys.update(deploy.id, { githubDeploymentId: deploymentId }, deps.clock.now())) ??
      dispatched;
    // The workflow is dispatched: the deployment is in progress from GitHub's point of view too.
    await deps.github.createDeploymentStatus(target.serviceConfig.repo, deploymentId, {
      state: 'in_progress',
      ...(run.runUrl ? { logUrl: run.runUrl } : {}),
      description: `${version} dispatched`,
    });
  } catch (error) {
    deps.log.warn({ err: error, deployId: deploy.id }, 'could not create the GitHub deployment');
  }
  return { kind: 'dispatched', deploy: withDeployment };
}

/** The durable safety net: a deploy still `approved` a minute later was never dispatched (crash). */
export async function checkDispatch(deps: AppDeps, deployId: string): Promise<void> {
  const deploy = await deps.repos.deploys.get(deployId);
  if (deploy?.state !== 'approved') return;
  const target = targetOf(deps, deploy);
  const run = await deps.github.findRunByDeployId(
    target.serviceConfig.repo,
    target.serviceConfig.workflow,
    deploy.id,
    deploy.decidedAt ?? deploy.createdAt,
  );
  if (run) {
    await move(
      deps,
      deploy,
      'dispatch',
      { dispatchedAt: run.createdAt, runId: run.id, runUrl: run.htmlUrl },
      { actor: SYSTEM_ACTOR, reason: 'run found after restart' },
    );
    return;
  }
  await dispatchDeploy(deps, deploy, { actor: SYSTEM_ACTOR });
}
