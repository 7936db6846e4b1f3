import type { DispatchResult, Run } from '../../app/ports/github.js';
import type { Logger } from '../../logger.js';
import { mayRetry, toGitHubError } from './errors.js';

export interface DispatchSteps {
  readonly log: Logger;
  readonly timing: {
    readonly backoffUnitMs: number;
    readonly lookupAttempts: number;
    readonly lookupDelayMs: number;
  };
  /** One POST (no automatic retry); the run's details when GitHub returned them. */
  post(): Promise<DispatchResult | undefined>;
  find(deployId: string, since: Date): Promise<Run | undefined>;
}

const MAX_ATTEMPTS = 3;
/** Runs are listed by creation time to the second, and clocks differ: look a little before we started. */
const CLOCK_SLACK_MS = 2 * 60 * 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * workflow_dispatch without ever running the workflow twice. A 5xx or a network error may have started the
 * run anyway, so before dispatching again it looks for the run by deploy_id (the run name carries it). Without
 * a deploy_id there is nothing to look for, and a failure is returned as is rather than risking a second run.
 */
export async function dispatchOnce(
  steps: DispatchSteps,
  target: { repo: string; workflow: string; deployId: string | undefined },
): Promise<DispatchResult> {
  const what = `dispatch ${target.workflow} on ${target.repo}`;
  const since = new Date(Date.now() - CLOCK_SLACK_MS);
  const { deployId } = target;
  for (let attempt = 1; ; attempt++) {
    try {
      const details = await steps.post();
      if (details) return details;
      // 204: an older GitHub, or details not offered. The run appears in the list shortly after.
      return deployId ? await lookFor(steps, deployId, since) : {};
    } catch (error) {
      const failure = toGitHubError(error, what);
      if (!mayRetry(failure) || !deployId || attempt >= MAX_ATTEMPTS) throw failure;
      steps.log.warn(
        { attempt, deployId, status: failure.status },
        'dispatch failed; looking for the run before retrying',
      );
      const found = await lookFor(steps, deployId, since);
      if (found.runId !== undefined) return found;
      await sleep(attempt * attempt * steps.timing.backoffUnitMs);
    }
  }
}

async function lookFor(steps: DispatchSteps, deployId: string, since: Date): Promise<DispatchResult> {
  for (let attempt = 1; attempt <= steps.timing.lookupAttempts; attempt++) {
    const run = await steps.find(deployId, since);
    if (run) return { runId: run.id, runUrl: run.htmlUrl };
    if (attempt < steps.timing.lookupAttempts) await sleep(steps.timing.lookupDelayMs);
  }
  steps.log.warn({ deployId }, 'dispatched run not found by deploy_id yet');
  return {};
}
