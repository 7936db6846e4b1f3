import { UserFacingError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/model.js';
import { serviceOf } from '../config.js';
import { rankOf, type RoleActor } from '../domain/roles.js';
import type { AppDeps } from './ports/deps.js';
import type { SmokeReport, SmokeResult } from './ports/notifier.js';
import { smokeKey, type SmokeState } from './deploys/smoke-state.js';

/**
 * The nightly smoke (§8): each service's smoke workflow on staging, followed to its end (bounded), one summary
 * in the ops channel, and `smoke:<service>` set red or green. A red night is a soft freeze on prod (the
 * SMOKE_RED gate) until the next green run. Services without a smoke workflow are skipped, and said so.
 */

export const NIGHTLY_SMOKE_JOB = 'nightly-smoke';
/** How long one night waits for the smoke runs before calling a still-running one red. */
export const SMOKE_RUN_LIMIT_MS = 30 * 60_000;

export type { SmokeReport, SmokeResult } from './ports/notifier.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function smokeOne(deps: AppDeps, service: string, deadline: number): Promise<SmokeResult> {
  const config = serviceOf(deps.config, service);
  const env = deps.config.stagingEnvironment;
  const workflow = config?.smokeWorkflow;
  if (!config || !workflow) return { service, outcome: 'skipped', detail: 'no smoke workflow configured' };
  const deployed = await deps.repos.deploys.lastSucceeded(service, env);
  const runKey = newId('D');
  let runId: number | undefined;
  let runUrl: string | undefined;
  try {
    const started = new Date();
    const dispatched = await deps.github.dispatch(config.repo, workflow, {
      ref: config.defaultRef,
      inputs: { environment: env, sha: deployed?.sha ?? config.defaultRef, deploy_id: runKey },
    });
    runId = dispatched.runId;
    runUrl = dispatched.runUrl;
    while (Date.now() < deadline) {
      if (runId === undefined) {
        const found = await deps.github.findRunByDeployId(config.repo, workflow, runKey, started);
        runId = found?.id;
        runUrl = found?.htmlUrl;
      }
      if (runId !== undefined) {
        const read = await deps.github.getRun(config.repo, runId);
        if (!read.notModified && read.run.status === 'completed') {
          const conclusion = read.run.conclusion ?? 'unknown';
          return {
            service,
            outcome: conclusion === 'success' ? 'green' : 'red',
            detail: conclusion,
            runUrl: read.run.htmlUrl,
          };
        }
      }
      await sleep(Math.min(deps.config.tracking.pollInterval, Math.max(0, deadline - Date.now())));
    }
    return {
      service,
      outcome: 'red',
      detail: 'the smoke run did not finish in time',
      ...(runUrl ? { runUrl } : {}),
    };
  } catch (error) {
    deps.log.warn({ err: error, service }, 'nightly smoke could not run');
    const message = error instanceof Error ? error.message : String(error);
    return { service, outcome: 'red', detail: `could not run: ${message}`, ...(runUrl ? { runUrl } : {}) };
  }
}

/** Runs the smoke of every service at once, records red/green, and posts one summary. */
export async function runNightlySmoke(
  deps: AppDeps,
  options: { limitMs?: number; actor?: Actor } = {},
): Promise<SmokeReport> {
  const deadline = Date.now() + (options.limitMs ?? SMOKE_RUN_LIMIT_MS);
  const services = Object.keys(deps.config.services);
  const results = await Promise.all(services.map((service) => smokeOne(deps, service, deadline)));
  const now = deps.clock.now();
  for (const result of results) {
    if (result.outcome === 'skipped') continue;
    const state: SmokeState = {
      red: result.outcome === 'red',
      at: now.toISOString(),
      ...(result.runUrl ? { runUrl: result.runUrl } : {}),
    };
    await deps.repos.settings.set(smokeKey(result.service), state, now);
    await deps.repos.audit.append({
      id: newId('A'),
      at: now,
      actor: options.actor ?? SYSTEM_ACTOR,
      action: 'smoke.nightly',
      service: result.service,
      env: deps.config.stagingEnvironment,
      outcome: result.outcome,
      reason: result.detail,
    });
  }
  const report: SmokeReport = { env: deps.config.stagingEnvironment, results };
  try {
    await deps.notifier.smokeSummary?.(report);
  } catch (error) {
    deps.log.warn({ err: error }, 'could not post the nightly smoke summary');
  }
  deps.log.info(
    { event: 'smoke.nightly', results: results.map((r) => `${r.service}:${r.outcome}`) },
    'nightly smoke finished',
  );
  return report;
}

/** `/smoke run`: an R5 starts the nightly smoke now (as a durable job, so it is followed like the nightly one). */
export async function requestSmokeNow(deps: AppDeps, actor: Actor & RoleActor): Promise<void> {
  if (rankOf(actor, deps.config.discord.roles) !== 'R5') {
    throw new UserFacingError('NOT_ALLOWED', 'You need the R5 role to run the smoke now');
  }
  await deps.jobs.schedule(NIGHTLY_SMOKE_JOB, { requestedBy: actor.id });
  await deps.repos.audit.append({
    id: newId('A'),
    at: deps.clock.now(),
    actor: { id: actor.id, name: actor.name },
    action: 'smoke.requested',
    env: deps.config.stagingEnvironment,
  });
}
