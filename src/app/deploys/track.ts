import { SYSTEM_ACTOR, type Deploy } from '../../domain/model.js';
import type { AppDeps, RunMemory } from '../ports/deps.js';
import type { Run } from '../ports/github.js';
import { annotate, transition } from '../pipeline/transition.js';
import { targetOf } from './context.js';
import { isFinalStep, stepLive } from '../../domain/rollout.js';
import { rolloutSpecOf } from '../rollout/plan.js';

/** How long after dispatch a run that cannot be found counts as lost. */
const RUN_LOST_AFTER_MS = 5 * 60_000;

/**
 * This process's memory of the last read of each run and its ETag, so an unchanged run costs a 304 (free of
 * rate limit). Losing it (restart) only costs one full read.
 */
export class RunWatch implements RunMemory {
  private readonly seen = new Map<number, { etag: string | undefined; run: Run }>();

  last(runId: number): { etag: string | undefined; run: Run } | undefined {
    return this.seen.get(runId);
  }
  remember(runId: number, etag: string | undefined, run: Run): void {
    this.seen.set(runId, { etag, run });
  }
  forget(runId: number): void {
    this.seen.delete(runId);
  }
}

/**
 * One look at one deploy's run (§4.6): finds the run when the dispatch answer had no id, reads it with its
 * ETag, and moves the deploy on. Idempotent: a finished deploy is left alone, and each change is an atomic
 * transition that owes its effects, so two instances looking at once cannot post two markers.
 */
export async function trackDeploy(deps: AppDeps, deploy: Deploy): Promise<void> {
  if (deploy.state !== 'dispatched' && deploy.state !== 'running') return;
  const target = targetOf(deps, deploy);
  const repo = target.serviceConfig.repo;
  const now = deps.clock.now();

  let current = deploy;
  let runId = current.runId;
  if (runId === undefined) {
    const since = current.dispatchedAt ?? current.createdAt;
    const found = await deps.github.findRunByDeployId(repo, target.serviceConfig.workflow, current.id, since);
    if (!found) {
      if (now.getTime() - since.getTime() > RUN_LOST_AFTER_MS) {
        const reason = 'The workflow run never appeared on GitHub.';
        await transition(
          deps,
          current,
          'fail',
          { outcomeReason: reason, finishedAt: now },
          { actor: SYSTEM_ACTOR, reason },
        );
      }
      return;
    }
    runId = found.id;
    current = (await deps.repos.deploys.update(current.id, { runId, runUrl: found.htmlUrl }, now)) ?? current;
  }

  const previous = deps.local.runs.last(runId);
  const read = await deps.github.getRun(repo, runId, previous?.etag);
  const run = read.notModified ? previous?.run : read.run;
  if (!read.notModified) deps.local.runs.remember(runId, read.etag, read.run);
  if (!run) return;
  await applyRun(deps, current, run);
}

/** Moves the deploy to match what GitHub says of its run (from polling or from a webhook). */
export async function applyRun(deps: AppDeps, deploy: Deploy, run: Run): Promise<void> {
  const now = deps.clock.now();
  if (run.status === 'completed' && run.conclusion === 'cancelled' && deploy.rerunRequested) {
    // Re-run asked for a stuck run: it was cancelled for that; start the new attempt and keep following.
    const repo = targetOf(deps, deploy).serviceConfig.repo;
    await deps.github.rerunRun(repo, run.id);
    deps.local.runs.forget(run.id);
    await annotate(
      deps,
      deploy,
      'rerun',
      { rerunRequested: false, stuck: false, dispatchedAt: now },
      { actor: SYSTEM_ACTOR, details: { runId: run.id, attempt: run.runAttempt + 1 } },
      [{ kind: 'progress', event: { kind: 'rerun', attempt: run.runAttempt + 1 } }],
    );
    return;
  }
  if (
    run.status === 'completed' &&
    run.conclusion === 'success' &&
    deploy.rollout &&
    !isFinalStep(deploy.rollout)
  ) {
    // A rollout step's run (§15): more steps follow, after the pause and the analysis.
    const pause = rolloutSpecOf(deps, deploy)?.pause ?? 0;
    const live = await transition(
      deps,
      deploy,
      'completeStep',
      { runUrl: run.htmlUrl, rollout: stepLive(deploy.rollout, { steps: deploy.rollout.steps, pause }, now) },
      { actor: SYSTEM_ACTOR, details: { runId: run.id, step: deploy.rollout.step + 1 } },
    );
    if (live) deps.local.runs.forget(run.id);
    return;
  }
  if (run.status === 'completed') {
    const conclusion = run.conclusion ?? 'unknown';
    const event = conclusion === 'success' ? 'succeed' : conclusion === 'cancelled' ? 'runCancelled' : 'fail';
    const finished = await transition(
      deps,
      deploy,
      event,
      {
        finishedAt: now,
        runUrl: run.htmlUrl,
        ...(event === 'succeed' ? {} : { outcomeReason: `The workflow run ended: ${conclusion}.` }),
      },
      { actor: SYSTEM_ACTOR, details: { conclusion, runId: run.id } },
    );
    if (finished) deps.local.runs.forget(run.id);
    return;
  }
  let latest = deploy;
  if (deploy.state === 'dispatched') {
    latest =
      (await transition(
        deps,
        deploy,
        'start',
        { startedAt: now, runUrl: run.htmlUrl },
        { actor: SYSTEM_ACTOR, details: { runId: run.id } },
      )) ?? deploy;
  }
  const since = (latest.dispatchedAt ?? latest.createdAt).getTime();
  if (now.getTime() - since > deps.config.tracking.stuckAfter && latest.stuck !== true) {
    await annotate(deps, latest, 'stuck', { stuck: true }, { actor: SYSTEM_ACTOR }, [
      { kind: 'progress', event: { kind: 'stuck' } },
    ]);
  }
}

/** The tracking sweep: every deploy that has a run in flight, looked at once (and its effects worked). */
export async function trackActiveDeploys(deps: AppDeps): Promise<number> {
  const active = await deps.repos.deploys.findByStates(['dispatched', 'running']);
  for (const deploy of active) {
    try {
      await trackDeploy(deps, deploy);
    } catch (error) {
      deps.log.warn({ err: error, deployId: deploy.id }, 'could not read the run; will retry');
    }
  }
  await Promise.all(active.map((deploy) => deps.outbox.drain(deploy.id)));
  return active.length;
}

const DEPLOY_ID_IN_NAME = /\bD[0-9A-HJKMNP-TV-Z]{8}\b/;

/** A `workflow_run` webhook (signature already checked): applies the run to its deploy without polling. */
export async function applyRunEvent(deps: AppDeps, run: Run): Promise<boolean> {
  let deploy = await deps.repos.deploys.findByRunId(run.id);
  if (!deploy) {
    const id = DEPLOY_ID_IN_NAME.exec(run.name)?.[0];
    const candidate = id ? await deps.repos.deploys.get(id) : undefined;
    if (candidate && candidate.sha === run.headSha && candidate.runId === undefined) {
      deploy =
        (await deps.repos.deploys.update(
          candidate.id,
          { runId: run.id, runUrl: run.htmlUrl },
          deps.clock.now(),
        )) ?? candidate;
    }
  }
  if (!deploy) return false;
  await applyRun(deps, deploy, run);
  await deps.outbox.drain(deploy.id);
  return true;
}
