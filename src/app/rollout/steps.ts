import { SYSTEM_ACTOR, type Deploy } from '../../domain/model.js';
import { trafficOf } from '../../domain/rollout.js';
import { targetOf } from '../deploys/context.js';
import { ROLLOUT_JOB } from '../job-names.js';
import type { AppDeps } from '../ports/deps.js';
import { isGitHubError } from '../ports/github.js';
import { transition } from '../pipeline/transition.js';
import { rolloutSpecOf } from './plan.js';

/** After this many failed tries (GitHub unavailable), the step fails rather than dispatching late. */
const STEP_DISPATCH_ATTEMPTS = 6;

/** The durable key of a rollout tick: one per deploy, step and due time, so a tick is never scheduled twice. */
export function tickKey(deployId: string, step: number, at: Date): string {
  return `rollout:${deployId}:${step}:${at.getTime()}`;
}

/**
 * The rollout's timer (effect `rolloutTimer`): the next tick of the current step's pause and analysis, as a
 * durable agenda job, so a restart resumes where it was. Owed when a step goes live, on Resume and on Promote.
 */
export async function scheduleRolloutTimer(deps: AppDeps, deploy: Deploy): Promise<void> {
  const spec = rolloutSpecOf(deps, deploy);
  if (deploy.state !== 'rolling_out' || !deploy.rollout || !spec) return;
  // Every rollout has an analysis, whose first measurement is taken at once (Argo's default); Promote must
  // not wait for anything either. The tick then arms the next one.
  const at = deps.clock.now();
  await deps.jobs.schedule(
    ROLLOUT_JOB,
    { deployId: deploy.id, step: deploy.rollout.step },
    { at, uniqueKey: tickKey(deploy.id, deploy.rollout.step, at) },
  );
}

/**
 * The dispatch of a later step (effect `rolloutDispatch`), with input `traffic`. Check-before-do by deploy
 * id and step: in doubt it first looks for a run of this deploy created since the step was owed, so a step
 * is never dispatched twice. GitHub dates runs to the second, so the previous step's run (still the deploy's
 * `runId`) may fall in that window too: it is never taken for this step's. The run's id is recorded with the
 * change, so tracking follows this step's run and not the last one's.
 */
export async function dispatchRolloutStep(
  deps: AppDeps,
  deploy: Deploy,
  options: { inDoubt: boolean; attempts: number },
): Promise<void> {
  const rollout = deploy.rollout;
  if (deploy.state !== 'approved' || !rollout || rollout.step === 0) return;
  const target = targetOf(deps, deploy);
  const { repo, workflow, defaultRef } = target.serviceConfig;
  const since = rollout.stepAt ?? deploy.updatedAt;
  const traffic = trafficOf(rollout);
  const note = { actor: SYSTEM_ACTOR, details: { step: rollout.step + 1, traffic } };
  if (options.inDoubt) {
    const run = await thisStepsRun(deps, deploy, since);
    if (run) {
      await transition(
        deps,
        deploy,
        'dispatchStep',
        { dispatchedAt: run.createdAt, runId: run.id, runUrl: run.htmlUrl, stuck: false },
        note,
      );
      return;
    }
  }
  let runId: number | undefined;
  let runUrl: string | undefined;
  try {
    const result = await deps.github.dispatch(repo, workflow, {
      ref: defaultRef,
      inputs: {
        environment: deploy.env,
        sha: deploy.sha,
        version: deploy.version ?? '',
        deploy_id: deploy.id,
        traffic: String(traffic),
      },
    });
    runId = result.runId;
    runUrl = result.runUrl;
  } catch (error) {
    const forGood =
      isGitHubError(error) &&
      ['not_found', 'bad_credentials', 'forbidden', 'invalid_request'].includes(error.kind);
    if (!forGood && options.attempts + 1 < STEP_DISPATCH_ATTEMPTS) throw error; // retried, in doubt
    const reason = `GitHub refused the dispatch of the ${traffic} % step: ${error instanceof Error ? error.message : String(error)}`;
    await transition(
      deps,
      deploy,
      'fail',
      { outcomeReason: reason, finishedAt: deps.clock.now() },
      {
        actor: SYSTEM_ACTOR,
        reason,
      },
    );
    return;
  }
  if (runId === undefined) {
    // The answer had no run id: find it now; until it is found the retry (in doubt) looks again, never re-sends.
    const found = await thisStepsRun(deps, deploy, since);
    if (!found) throw new Error(`the run of step ${rollout.step + 1} of ${deploy.id} is not visible yet`);
    runId = found.id;
    runUrl = found.htmlUrl;
  }
  await transition(
    deps,
    (await deps.repos.deploys.get(deploy.id)) ?? deploy,
    'dispatchStep',
    { dispatchedAt: deps.clock.now(), runId, stuck: false, ...(runUrl ? { runUrl } : {}) },
    note,
  );
}

/** The newest run of the deploy since `since`, unless it is the previous step's (then none is this step's). */
async function thisStepsRun(deps: AppDeps, deploy: Deploy, since: Date) {
  const { repo, workflow } = targetOf(deps, deploy).serviceConfig;
  const run = await deps.github.findRunByDeployId(repo, workflow, deploy.id, since);
  return run && run.id !== deploy.runId ? run : undefined;
}
