import { SYSTEM_ACTOR, type Deploy } from '../../domain/model.js';
import { targetOf } from '../deploys/context.js';
import { checkGates, holdBack } from '../deploys/gates.js';
import type { AppDeps } from '../ports/deps.js';
import { isGitHubError } from '../ports/github.js';
import { transition } from './transition.js';
import { firstStep, trafficOf } from '../../domain/rollout.js';
import { rolloutSpecOf, takesTraffic } from '../rollout/plan.js';
import { isTodaysVersion, versionFor } from './version.js';

/** After this many failed tries (GitHub unavailable), the deploy fails rather than dispatching late. */
const DISPATCH_ATTEMPTS = 6;

/** GitHub said no for good (not a hiccup): retrying would not help. */
function refusedForGood(error: unknown): boolean {
  return (
    isGitHubError(error) &&
    ['not_found', 'bad_credentials', 'forbidden', 'invalid_request', 'conflict'].includes(error.kind)
  );
}

/**
 * The dispatch an approved deploy owes (§4.5). Owed by the approval in the same write, so a crash between
 * approval and dispatch leaves it pending for the outbox job. In doubt (tried before, or left by a process
 * that died) it first looks for the run by deploy_id and records it rather than dispatching again; the
 * adapter itself never sends a second dispatch for one call. When the approving step did not just check the
 * gates (or in doubt), they are checked again immediately before the dispatch.
 */
export async function dispatchEffect(
  deps: AppDeps,
  deploy: Deploy,
  options: { gatesChecked: boolean; inDoubt: boolean; attempts: number },
): Promise<void> {
  if (deploy.state !== 'approved') return; // dispatched, held back or ended meanwhile: nothing owed
  const target = targetOf(deps, deploy);
  const repo = target.serviceConfig.repo;
  if (options.inDoubt) {
    const run = await deps.github.findRunByDeployId(
      repo,
      target.serviceConfig.workflow,
      deploy.id,
      deploy.decidedAt ?? deploy.createdAt,
    );
    if (run) {
      await transition(
        deps,
        deploy,
        'dispatch',
        { dispatchedAt: run.createdAt, runId: run.id, runUrl: run.htmlUrl },
        { actor: SYSTEM_ACTOR, reason: 'run found after restart' },
      );
      return;
    }
  }
  // The version lookup (a GitHub read) runs while the gates are read; awaited before the dispatch.
  // A version the approving step looked up is kept unless the day changed since (held back overnight).
  const known = deploy.version && isTodaysVersion(deps, deploy.version) ? deploy.version : undefined;
  const versionLookup = known ? Promise.resolve(known) : versionFor(deps, deploy);
  versionLookup.catch(() => undefined); // a gate refusal below leaves it unused; its error is read there
  if (!options.gatesChecked || options.inDoubt) {
    const check = await checkGates(deps, deploy, { withCommits: false, justBeforeDispatch: true });
    if (check.blocking) {
      await holdBack(
        deps,
        deploy,
        { ...check, blocking: check.blocking },
        { actor: SYSTEM_ACTOR, reason: `${check.blocking.code} just before dispatch` },
      );
      return;
    }
  }
  let version: string;
  let run: { runId?: number; runUrl?: string };
  // When the dispatch was sent, not when it returned: GitHub created the run in between (the answer may
  // come after looking for the run for seconds), and tracking looks for runs created since this time.
  let sentAt: Date;
  const spec = rolloutSpecOf(deps, deploy);
  const rollout = spec ? firstStep(spec, deps.clock.now()) : undefined;
  try {
    version = await versionLookup;
    // Recorded before the dispatch, so a retry finishes the record with the same version.
    if (deploy.version !== version) await deps.repos.deploys.update(deploy.id, { version }, deps.clock.now());
    sentAt = deps.clock.now();
    run = await deps.github.dispatch(repo, target.serviceConfig.workflow, {
      ref: target.serviceConfig.defaultRef,
      inputs: {
        environment: deploy.env,
        sha: deploy.sha,
        version,
        deploy_id: deploy.id,
        // A rollout env's workflow takes `traffic` (§15): the first step's share; a rollback takes it all.
        ...(takesTraffic(deps, deploy) ? { traffic: String(rollout ? trafficOf(rollout) : 100) } : {}),
      },
    });
  } catch (error) {
    if (!refusedForGood(error) && options.attempts + 1 < DISPATCH_ATTEMPTS) throw error; // retried
    const reason = `GitHub refused the dispatch: ${error instanceof Error ? error.message : String(error)}`;
    deps.log.error({ err: error, deployId: deploy.id }, 'dispatch failed');
    await transition(
      deps,
      deploy,
      'fail',
      { outcomeReason: reason, finishedAt: deps.clock.now() },
      { actor: SYSTEM_ACTOR, reason },
    );
    return;
  }
  await transition(
    deps,
    (await deps.repos.deploys.get(deploy.id)) ?? deploy,
    'dispatch',
    {
      version,
      dispatchedAt: sentAt,
      ...(rollout ? { rollout } : {}),
      ...(run.runId ? { runId: run.runId } : {}),
      ...(run.runUrl ? { runUrl: run.runUrl } : {}),
    },
    {
      actor: deploy.approvedBy ?? deploy.requestedBy,
      details: { version, ...(run.runId ? { runId: run.runId } : {}) },
    },
  );
}
