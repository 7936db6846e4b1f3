import { UserFacingError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/model.js';
import { serviceOf } from '../config.js';
import { rankOf, type RoleActor } from '../domain/roles.js';
import { NIGHTLY_SMOKE_CHECK_JOB, NIGHTLY_SMOKE_JOB } from './job-names.js';
import type { AppDeps } from './ports/deps.js';
import type { SmokeReport, SmokeResult } from './ports/notifier.js';
import { smokeKey, type SmokeState } from './deploys/smoke-state.js';

/**
 * The nightly smoke (§8): each service's smoke workflow on staging, followed to its end (bounded), one summary
 * in the ops channel, and `smoke:<service>` set red or green. A red night is a soft freeze on prod (the
 * SMOKE_RED gate) until the next green run. Services without a smoke workflow are skipped, and said so.
 *
 * A night is a record in settings and a chain of short jobs: the start dispatches the runs, each check reads
 * the unfinished ones once and schedules the next, and the last one concludes. No job holds a lock for the
 * night, and any instance (or a restarted one) can take the next tick.
 */

export { NIGHTLY_SMOKE_CHECK_JOB, NIGHTLY_SMOKE_JOB } from './job-names.js';
export type { SmokeReport, SmokeResult } from './ports/notifier.js';

/** How long one night waits for the smoke runs before calling a still-running one red. */
export const SMOKE_RUN_LIMIT_MS = 30 * 60_000;
/** Long enough to post one summary; a concluder that died lets another take over after this. */
const CONCLUDE_LEASE_MS = 5 * 60_000;
/** GitHub's clock is not ours: look for a run a little before the night started. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** One service's part of a night. `runKey` is the deploy_id the run is dispatched with (and found by). */
export interface SmokeNightService {
  readonly service: string;
  readonly runKey?: string;
  readonly runId?: number;
  readonly runUrl?: string;
  readonly outcome?: SmokeResult['outcome'];
  readonly detail?: string;
}

export interface SmokeNight {
  readonly id: string;
  readonly env: string;
  readonly startedAt: string;
  readonly deadline: string;
  /** In the configuration's order, which is the summary's. */
  readonly services: readonly SmokeNightService[];
}

export function smokeNightKey(nightId: string): string {
  return `smoke-night:${nightId}`;
}

/**
 * Its own key, written only by the concluder: a slower check of the same tick saving the night afterwards
 * cannot erase it.
 */
const concludedKey = (nightId: string) => `${smokeNightKey(nightId)}:concluded`;

export async function smokeNightConcluded(deps: AppDeps, nightId: string): Promise<boolean> {
  return (await deps.repos.settings.get<{ at: string }>(concludedKey(nightId))) !== undefined;
}

const readNight = (deps: AppDeps, nightId: string) =>
  deps.repos.settings.get<SmokeNight>(smokeNightKey(nightId));

const saveNight = (deps: AppDeps, night: SmokeNight) =>
  deps.repos.settings.set(smokeNightKey(night.id), night, deps.clock.now());

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function plan(deps: AppDeps, service: string): SmokeNightService {
  if (!serviceOf(deps.config, service)?.smokeWorkflow)
    return { service, outcome: 'skipped', detail: 'no smoke workflow configured' };
  return { service, runKey: newId('D') };
}

/**
 * Dispatches one service's smoke. `retried`: the start may have dispatched it before a crash, so the run
 * is looked for by its key first.
 */
async function dispatchOne(
  deps: AppDeps,
  night: SmokeNight,
  entry: SmokeNightService,
  retried: boolean,
): Promise<SmokeNightService> {
  const config = serviceOf(deps.config, entry.service);
  const workflow = config?.smokeWorkflow;
  if (entry.outcome || entry.runId !== undefined || !entry.runKey || !config || !workflow) return entry;
  try {
    const found = retried
      ? await deps.github.findRunByDeployId(config.repo, workflow, entry.runKey, sinceOf(night))
      : undefined;
    if (found) return { ...entry, runId: found.id, runUrl: found.htmlUrl };
    const deployed = await deps.repos.deploys.lastSucceeded(entry.service, night.env);
    const dispatched = await deps.github.dispatch(config.repo, workflow, {
      ref: config.defaultRef,
      inputs: { environment: night.env, sha: deployed?.sha ?? config.defaultRef, deploy_id: entry.runKey },
    });
    return {
      ...entry,
      ...(dispatched.runId !== undefined ? { runId: dispatched.runId } : {}),
      ...(dispatched.runUrl ? { runUrl: dispatched.runUrl } : {}),
    };
  } catch (error) {
    deps.log.warn({ err: error, service: entry.service }, 'nightly smoke could not run');
    return { ...entry, outcome: 'red', detail: `could not run: ${reasonOf(error)}` };
  }
}

const sinceOf = (night: SmokeNight) => new Date(new Date(night.startedAt).getTime() - CLOCK_SKEW_MS);

async function scheduleCheck(deps: AppDeps, nightId: string, tick: number, at: Date): Promise<void> {
  await deps.jobs.schedule(
    NIGHTLY_SMOKE_CHECK_JOB,
    { nightId, tick },
    { at, uniqueKey: `${smokeNightKey(nightId)}:${tick}` },
  );
}

/**
 * Starts a night: records it (with each run's key, before any dispatch), dispatches every smoke workflow
 * and schedules the first check. Running it again for the same `nightId` dispatches nothing twice.
 */
export async function startSmokeNight(deps: AppDeps, options: { nightId?: string } = {}): Promise<string> {
  const nightId = options.nightId ?? newId('D');
  const existing = await readNight(deps, nightId);
  if (existing && (await smokeNightConcluded(deps, nightId))) return nightId;
  const now = deps.clock.now();
  const night: SmokeNight = existing ?? {
    id: nightId,
    env: deps.config.stagingEnvironment,
    startedAt: now.toISOString(),
    deadline: new Date(now.getTime() + SMOKE_RUN_LIMIT_MS).toISOString(),
    services: Object.keys(deps.config.services).map((service) => plan(deps, service)),
  };
  if (!existing) await saveNight(deps, night);
  const services = await Promise.all(
    night.services.map((entry) => dispatchOne(deps, night, entry, existing !== undefined)),
  );
  await saveNight(deps, { ...night, services });
  deps.log.info({ nightId, services: services.map((s) => s.service) }, 'nightly smoke started');
  await scheduleCheck(deps, nightId, 1, new Date(now.getTime() + deps.config.tracking.pollInterval));
  return nightId;
}

/** Reads an unfinished run once; a failed read is tried again on the next tick (the deadline bounds it). */
async function readOne(
  deps: AppDeps,
  night: SmokeNight,
  entry: SmokeNightService,
): Promise<SmokeNightService> {
  const config = serviceOf(deps.config, entry.service);
  const workflow = config?.smokeWorkflow;
  if (entry.outcome || !entry.runKey || !config || !workflow) return entry;
  try {
    let { runId, runUrl } = entry;
    if (runId === undefined) {
      const found = await deps.github.findRunByDeployId(config.repo, workflow, entry.runKey, sinceOf(night));
      if (!found) return entry;
      runId = found.id;
      runUrl = found.htmlUrl;
    }
    // Read without an ETag: a night reads each run a few dozen times at most.
    const read = await deps.github.getRun(config.repo, runId);
    const run = read.notModified ? undefined : read.run;
    const url = run?.htmlUrl ?? runUrl;
    if (run?.status !== 'completed') return { ...entry, runId, ...(url ? { runUrl: url } : {}) };
    const conclusion = run.conclusion ?? 'unknown';
    return {
      ...entry,
      runId,
      runUrl: run.htmlUrl,
      outcome: conclusion === 'success' ? 'green' : 'red',
      detail: conclusion,
    };
  } catch (error) {
    deps.log.warn({ err: error, service: entry.service }, 'could not read the smoke run; will retry');
    return entry;
  }
}

/**
 * One check of a night (the check job's body): reads each unfinished run once, and concludes when every
 * service has an outcome or the deadline has passed; otherwise schedules the next tick. Running a tick twice
 * has the effect of once. Returns the night's report when this call concluded it.
 */
export async function checkSmokeNight(
  deps: AppDeps,
  nightId: string,
  tick: number,
): Promise<SmokeReport | undefined> {
  const night = await readNight(deps, nightId);
  if (!night) {
    deps.log.warn({ nightId }, 'nightly smoke check for an unknown night; dropped');
    return undefined;
  }
  if (await smokeNightConcluded(deps, nightId)) return undefined;
  const read = await Promise.all(night.services.map((entry) => readOne(deps, night, entry)));
  const now = deps.clock.now();
  const late = now.getTime() >= new Date(night.deadline).getTime();
  const services = read.map((entry) =>
    entry.outcome || !late
      ? entry
      : { ...entry, outcome: 'red' as const, detail: 'the smoke run did not finish in time' },
  );
  const checked: SmokeNight = { ...night, services };
  await saveNight(deps, checked);
  if (services.every((entry) => entry.outcome !== undefined)) return conclude(deps, checked, tick);
  const at = Math.min(now.getTime() + deps.config.tracking.pollInterval, new Date(night.deadline).getTime());
  await scheduleCheck(deps, nightId, tick + 1, new Date(Math.max(at, now.getTime())));
  return undefined;
}

const resultOf = (entry: SmokeNightService): SmokeResult => ({
  service: entry.service,
  outcome: entry.outcome ?? 'red',
  detail: entry.detail ?? 'no result',
  ...(entry.runUrl ? { runUrl: entry.runUrl } : {}),
});

/**
 * Records the night's red/green and posts its one summary, once: a lease on the night admits one concluder
 * at a time (two instances may run the same tick), and the night is marked concluded before the lease goes.
 * A concluder that dies before the mark leaves it to the next tick, which may append the audit again.
 */
async function conclude(deps: AppDeps, night: SmokeNight, tick: number): Promise<SmokeReport | undefined> {
  const lease = smokeNightKey(night.id);
  const holder = newId('L');
  const now = deps.clock.now();
  if (!(await deps.repos.leases.acquire(lease, holder, CONCLUDE_LEASE_MS, now))) {
    // Another concluder is at it; look again later in case it died before finishing.
    await scheduleCheck(
      deps,
      night.id,
      tick + 1,
      new Date(now.getTime() + deps.config.tracking.pollInterval),
    );
    return undefined;
  }
  try {
    if (await smokeNightConcluded(deps, night.id)) return undefined;
    const results = night.services.map(resultOf);
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
        actor: SYSTEM_ACTOR,
        action: 'smoke.nightly',
        service: result.service,
        env: night.env,
        outcome: result.outcome,
        reason: result.detail,
      });
    }
    // Marked before the summary: a crash after this loses the post rather than doubling it.
    await deps.repos.settings.set(concludedKey(night.id), { at: now.toISOString() }, now);
    const report: SmokeReport = { env: night.env, results };
    try {
      await deps.notifier.smokeSummary?.(report);
    } catch (error) {
      deps.log.warn({ err: error }, 'could not post the nightly smoke summary');
    }
    deps.log.info(
      { event: 'smoke.nightly', nightId: night.id, results: results.map((r) => `${r.service}:${r.outcome}`) },
      'nightly smoke finished',
    );
    return report;
  } finally {
    await deps.repos.leases.release(lease, holder);
  }
}

/** `/smoke run`: an R5 starts the nightly smoke now (as a durable job, so it is followed like the nightly one). */
export async function requestSmokeNow(deps: AppDeps, actor: Actor & RoleActor): Promise<void> {
  if (rankOf(actor, deps.config.discord.roles) !== 'R5') {
    throw new UserFacingError('NOT_ALLOWED', 'You need the R5 role to run the smoke now');
  }
  // The night's id travels with the job, so a start agenda runs again continues the same night.
  await deps.jobs.schedule(NIGHTLY_SMOKE_JOB, { requestedBy: actor.id, nightId: newId('D') });
  await deps.repos.audit.append({
    id: newId('A'),
    at: deps.clock.now(),
    actor: { id: actor.id, name: actor.name },
    action: 'smoke.requested',
    env: deps.config.stagingEnvironment,
  });
}
