import { SYSTEM_ACTOR, type Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import type { Run } from '../ports/github.js';
import { targetOf } from './context.js';
import { move, syncCard } from './flow.js';
import { finishDeploy } from './finish.js';

/** How long after dispatch a run that cannot be found counts as lost. */
const RUN_LOST_AFTER_MS = 5 * 60_000;

/**
 * Per-process memory of the last read of each run: its ETag (so an unchanged run costs a 304, free of rate
 * limit) and whether the card already shows it as stuck. Losing it (restart) only costs one full read.
 */
export class RunWatch {
  private readonly seen = new Map<number, { etag: string | undefined; run: Run }>();
  private readonly stuckShown = new Set<string>();

  last(runId: number): { etag: string | undefined; run: Run } | undefined {
    return this.seen.get(runId);
  }
  remember(runId: number, etag: string | undefined, run: Run): void {
    this.seen.set(runId, { etag, run });
  }
  markStuck(deployId: string): boolean {
    if (this.stuckShown.has(deployId)) return false;
    this.stuckShown.add(deployId);
    return true;
  }
  forget(deploy: Deploy): void {
    if (deploy.runId !== undefined) this.seen.delete(deploy.runId);
    this.stuckShown.delete(deploy.id);
  }
}

/**
 * One look at one deploy's run (§4.6): finds the run when the dispatch answer had no id, reads it with its
 * ETag, and moves the deploy on. Idempotent: a finished deploy is left alone, and each state change is an
 * atomic transition, so two instances looking at once cannot post two markers.
 */
export async function trackDeploy(deps: AppDeps, watch: RunWatch, deploy: Deploy): Promise<void> {
  if (deploy.state !== 'dispatched' && deploy.state !== 'running') return;
  const target = targetOf(deps, deploy);
  const repo = target.serviceConfig.repo;
  const now = deps.clock.now();

  let current = deploy;
  if (current.runId === undefined) {
    const found = await deps.github.findRunByDeployId(
      repo,
      target.serviceConfig.workflow,
      current.id,
      current.dispatchedAt ?? current.createdAt,
    );
    if (!found) {
      if (now.getTime() - (current.dispatchedAt ?? current.createdAt).getTime() > RUN_LOST_AFTER_MS) {
        const reason = 'The workflow run never appeared on GitHub.';
        const failed = await move(
          deps,
          current,
          'fail',
          { outcomeReason: reason, finishedAt: now },
          { actor: SYSTEM_ACTOR, reason },
        );
        if (failed) await finishDeploy(deps, failed);
      }
      return;
    }
    current =
      (await deps.repos.deploys.update(current.id, { runId: found.id, runUrl: found.htmlUrl }, now)) ??
      current;
  }
  const runId = current.runId;
  if (runId === undefined) return;

  const previous = watch.last(runId);
  const read = await deps.github.getRun(repo, runId, previous?.etag);
  const run = read.notModified ? previous?.run : read.run;
  if (!read.notModified) watch.remember(runId, read.etag, read.run);
  if (!run) return;
  await applyRun(deps, watch, current, run);
}

/** Moves the deploy to match what GitHub says of its run (from polling or from a webhook). */
export async function applyRun(deps: AppDeps, watch: RunWatch, deploy: Deploy, run: Run): Promise<void> {
  const now = deps.clock.now();
  if (run.status === 'completed' && run.conclusion === 'cancelled' && deploy.rerunRequested) {
    // Re-run asked for a stuck run: it was cancelled for that; start the new attempt and keep following.
    const repo = targetOf(deps, deploy).serviceConfig.repo;
    await deps.github.rerunRun(repo, run.id);
    const rerun = await deps.repos.deploys.update(
      deploy.id,
      { rerunRequested: false, dispatchedAt: now },
      now,
    );
    watch.forget(deploy);
    await deps.notifier.progress(
      rerun ?? deploy,
      `🔁 Re-running the workflow (attempt ${run.runAttempt + 1}).`,
    );
    return;
  }
  if (run.status === 'completed') {
    const conclusion = run.conclusion ?? 'unknown';
    const event = conclusion === 'success' ? 'succeed' : conclusion === 'cancelled' ? 'cancel' : 'fail';
    const finished = await move(
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
    if (finished) {
      watch.forget(finished);
      await finishDeploy(deps, finished);
    }
    return;
  }
  let latest = deploy;
  if (deploy.state === 'dispatched') {
    const started = await move(
      deps,
      deploy,
      'start',
      { startedAt: now, runUrl: run.htmlUrl },
      { actor: SYSTEM_ACTOR, details: { runId: run.id } },
    );
    if (started) {
      latest = started;
      await syncCard(deps, started);
      await deps.notifier.progress(started, `🏃 The run is in progress — [run](${run.htmlUrl})`);
    }
  }
  const since = (latest.dispatchedAt ?? latest.createdAt).getTime();
  if (now.getTime() - since > deps.config.tracking.stuckAfter && watch.markStuck(latest.id)) {
    await syncCard(deps, latest, { stuck: true });
    await deps.notifier.progress(
      latest,
      '⚠️ The run looks stuck: use **Cancel run** or **Re-run** on the card.',
    );
  }
}

/** The tracking sweep: every deploy that has a run in flight, looked at once. */
export async function trackActiveDeploys(deps: AppDeps, watch: RunWatch): Promise<number> {
  const active = await deps.repos.deploys.findByStates(['dispatched', 'running']);
  for (const deploy of active) {
    try {
      await trackDeploy(deps, watch, deploy);
    } catch (error) {
      deps.log.warn({ err: error, deployId: deploy.id }, 'could not read the run; will retry');
    }
  }
  return active.length;
}

const DEPLOY_ID_IN_NAME = /\bD[0-9A-HJKMNP-TV-Z]{8}\b/;

/** A `workflow_run` webhook (signature already checked): applies the run to its deploy without polling. */
export async function applyRunEvent(deps: AppDeps, watch: RunWatch, run: Run): Promise<boolean> {
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
  await applyRun(deps, watch, deploy, run);
  return true;
}
