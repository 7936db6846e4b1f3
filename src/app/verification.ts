import { UserFacingError } from '../domain/errors.js';
import { SYSTEM_ACTOR, type Actor, type Deploy } from '../domain/model.js';
import { canVerify, type RoleActor } from '../domain/roles.js';
import { VERIFY_JOB } from './job-names.js';
import type { AppDeps, HealthResult } from './ports/deps.js';
import { loadDeploy, rolesFor, targetOf } from './deploys/context.js';
import { annotate } from './pipeline/transition.js';
import { judgeAnalysis, type AnalysisVerdict, type Measurement } from '../domain/analysis.js';
import { measurementDue } from '../domain/rollout.js';
import { measureQueries } from './rollout/measure.js';
import { metricsOf, verificationAnalysisOf } from './rollout/plan.js';

export { VERIFY_JOB } from './job-names.js';

/**
 * Post-deploy verification, the 15-minute rule (§8). After a successful deploy a chain of durable jobs
 * checks the env's health URL (200 and the deployed version) and follows the service's smoke workflow,
 * while an R4 confirms one real workflow with the card's "Verified" button. The rule (`judgeVerification`):
 * - faulty at once: the smoke run ends anything but success, or the health URL reports another version on
 *   WRONG_VERSION_CHECKS checks in a row (one or two are a rollout still in progress);
 * - verified at once: an R4/R5 confirmed and the automatic checks pass (latest health check good, smoke green);
 * - at the end of the window: checks passing and (confirmed, or `autoVerify`) → verified; otherwise faulty
 *   (health down or wrong at the end, smoke unfinished, or nobody confirmed).
 * Faulty locks the env (kind 'faulty'); a successful rollback, or a later deploy verified, releases it.
 */

export const WRONG_VERSION_CHECKS = 3;

export type SmokeRunState = 'running' | 'green' | 'red';

/** What the checks found so far, kept in settings under `verification:<deployId>`. */
export interface VerificationState {
  readonly endsAt: string;
  readonly checks: number;
  readonly health?: HealthResult;
  readonly wrongVersionInRow: number;
  readonly smoke?: { readonly runId?: number; readonly url?: string; readonly state: SmokeRunState };
  /** The env's metric analysis in the window (§8, §15), when it configures one. */
  readonly measurements?: readonly Measurement[];
}

export type { HealthResult } from './ports/deps.js';

export const verificationKey = (deployId: string): string => `verification:${deployId}`;

export interface Judgement {
  readonly outcome: 'pending' | 'verified' | 'faulty';
  readonly reason: string;
}

/** The rule, as a pure function of what the checks found (see the module comment). */
export function judgeVerification(input: {
  readonly now: Date;
  readonly endsAt: Date;
  readonly hasHealthUrl: boolean;
  readonly health?: HealthResult | undefined;
  readonly wrongVersionInRow: number;
  readonly smoke?: SmokeRunState | undefined;
  readonly confirmedBy?: string | undefined;
  readonly autoVerify: boolean;
  /** The metric analysis so far, when the env configures one: a breach is faulty at once. */
  readonly analysis?: AnalysisVerdict | undefined;
}): Judgement {
  if (input.smoke === 'red') return { outcome: 'faulty', reason: 'The smoke workflow failed.' };
  if (input.analysis?.phase === 'failed') return { outcome: 'faulty', reason: input.analysis.reason };
  if (input.wrongVersionInRow >= WRONG_VERSION_CHECKS) {
    return {
      outcome: 'faulty',
      reason: `The health URL ${input.health?.detail ?? 'reports another version'}.`,
    };
  }
  const healthOk = !input.hasHealthUrl || input.health?.ok === true;
  const smokeOk = input.smoke === undefined || input.smoke === 'green';
  const analysisOk = input.analysis === undefined || input.analysis.phase === 'successful';
  const checksOk = healthOk && smokeOk && analysisOk;
  if (checksOk && input.confirmedBy) {
    return { outcome: 'verified', reason: `Confirmed by ${input.confirmedBy}; automatic checks passed.` };
  }
  if (input.now.getTime() < input.endsAt.getTime()) return { outcome: 'pending', reason: '' };
  if (!healthOk) {
    return {
      outcome: 'faulty',
      reason: `The health URL was not good at the end of the window (${input.health?.detail ?? 'never checked'}).`,
    };
  }
  if (!smokeOk) return { outcome: 'faulty', reason: 'The smoke workflow did not finish within the window.' };
  // Fail closed: an analysis that could not take all its measurements in the window is not a pass.
  if (!analysisOk)
    return { outcome: 'faulty', reason: 'The metric analysis did not finish within the window.' };
  if (input.autoVerify) return { outcome: 'verified', reason: 'Automatic checks passed (auto-verify).' };
  return { outcome: 'faulty', reason: 'Nobody confirmed the deploy with "Verified" within the window.' };
}

async function scheduleCheck(deps: AppDeps, deployId: string, tick: number, at: Date): Promise<void> {
  await deps.jobs.schedule(VERIFY_JOB, { deployId, tick }, { at, uniqueKey: `verify:${deployId}:${tick}` });
}

/**
 * The effect a successful deploy owes (§8): the smoke workflow dispatched (looked for first when in doubt),
 * the window recorded, then the `verifying` change, which owes the card, the progress line and the first
 * check. Safe to run again: once verification has started it does nothing.
 */
export async function startVerification(deps: AppDeps, deploy: Deploy, inDoubt: boolean): Promise<void> {
  if (deploy.state !== 'succeeded' || deploy.verification !== undefined) return;
  const target = targetOf(deps, deploy);
  const now = deps.clock.now();
  let smoke: VerificationState['smoke'];
  const workflow = target.serviceConfig.smokeWorkflow;
  if (workflow) {
    try {
      const found = inDoubt
        ? await deps.github.findRunByDeployId(
            target.serviceConfig.repo,
            workflow,
            deploy.id,
            deploy.finishedAt ?? deploy.updatedAt,
          )
        : undefined;
      const run = found
        ? { runId: found.id, runUrl: found.htmlUrl }
        : await deps.github.dispatch(target.serviceConfig.repo, workflow, {
            ref: target.serviceConfig.defaultRef,
            inputs: { environment: deploy.env, sha: deploy.sha, deploy_id: deploy.id },
          });
      smoke = {
        state: 'running',
        ...(run.runId !== undefined ? { runId: run.runId } : {}),
        ...(run.runUrl ? { url: run.runUrl } : {}),
      };
    } catch (error) {
      deps.log.warn({ err: error, deployId: deploy.id }, 'could not dispatch the smoke workflow');
      smoke = { state: 'red' };
    }
  }
  const state: VerificationState = {
    endsAt: new Date(now.getTime() + deps.config.verification.window).toISOString(),
    checks: 0,
    wrongVersionInRow: 0,
    ...(smoke ? { smoke } : {}),
  };
  await deps.repos.settings.set(verificationKey(deploy.id), state, now);
  await annotate(deps, deploy, 'verifying', { verification: 'pending' }, { actor: SYSTEM_ACTOR }, [
    { kind: 'progress', event: { kind: 'verifying', smoke: workflow !== undefined } },
  ]);
}

async function readSmoke(
  deps: AppDeps,
  deploy: Deploy,
  smoke: NonNullable<VerificationState['smoke']>,
  since: Date,
): Promise<VerificationState['smoke']> {
  if (smoke.state !== 'running') return smoke;
  const target = targetOf(deps, deploy);
  const workflow = target.serviceConfig.smokeWorkflow;
  if (!workflow) return smoke;
  let runId = smoke.runId;
  if (runId === undefined) {
    const found = await deps.github.findRunByDeployId(target.serviceConfig.repo, workflow, deploy.id, since);
    if (!found) return smoke;
    runId = found.id;
  }
  const read = await deps.github.getRun(target.serviceConfig.repo, runId);
  if (read.notModified) return { ...smoke, runId };
  const { run } = read;
  if (run.status !== 'completed') return { ...smoke, runId, url: run.htmlUrl };
  return { runId, url: run.htmlUrl, state: run.conclusion === 'success' ? 'green' : 'red' };
}

/**
 * One verification check (the job's body): health, smoke, then the rule. Schedules the next check until
 * the window ends. Safe to run twice: it re-reads everything and concludes at most once.
 */
export async function runVerificationCheck(
  deps: AppDeps,
  deployId: string,
  tick: number,
): Promise<Judgement> {
  const deploy = await deps.repos.deploys.get(deployId);
  const state = await deps.repos.settings.get<VerificationState>(verificationKey(deployId));
  if (!deploy || !state || deploy.verification !== 'pending')
    return { outcome: 'pending', reason: 'not pending' };
  const latest = await deps.repos.deploys.lastSucceeded(deploy.service, deploy.env);
  if (latest && latest.id !== deploy.id) {
    await annotate(deps, deploy, 'verificationStopped', {}, { actor: SYSTEM_ACTOR }, [
      { kind: 'progress', event: { kind: 'verificationStopped', replacedBy: latest.id } },
    ]);
    return { outcome: 'pending', reason: 'replaced' };
  }
  const target = targetOf(deps, deploy);
  const url = target.envConfig.healthUrl;
  const health = url ? await deps.health.check(url, deploy.version ?? '') : undefined;
  let smoke = state.smoke;
  if (smoke) {
    try {
      smoke = await readSmoke(deps, deploy, smoke, deploy.finishedAt ?? deploy.updatedAt);
    } catch (error) {
      deps.log.warn({ err: error, deployId }, 'could not read the smoke run; will retry');
    }
  }
  const now = deps.clock.now();
  const measurements = await measureIfDue(deps, deploy, state, now);
  const next: VerificationState = {
    ...state,
    ...(measurements ? { measurements } : {}),
    checks: state.checks + 1,
    ...(health ? { health } : {}),
    wrongVersionInRow: health?.wrongVersion !== undefined ? state.wrongVersionInRow + 1 : 0,
    ...(smoke ? { smoke } : {}),
  };
  await deps.repos.settings.set(verificationKey(deployId), next, now);
  const judgement = await judge(deps, deploy, next);
  if (judgement.outcome === 'pending') {
    const endsAt = new Date(state.endsAt);
    const at = new Date(Math.min(now.getTime() + deps.config.verification.checkInterval, endsAt.getTime()));
    await scheduleCheck(deps, deployId, tick + 1, at);
  }
  return judgement;
}

/** The env's verification analysis (§8): one more measurement of its queries when one is due. */
async function measureIfDue(
  deps: AppDeps,
  deploy: Deploy,
  state: VerificationState,
  now: Date,
): Promise<readonly Measurement[] | undefined> {
  const analysis = verificationAnalysisOf(deps, deploy);
  if (!analysis) return undefined;
  const so = state.measurements ?? [];
  if (judgeAnalysis(analysis, so).phase !== 'running') return so;
  if (!measurementDue({ steps: [], step: 0, measurements: so }, analysis.interval, now)) return so;
  return [...so, ...(await measureQueries(metricsOf(deps), analysis.queries, deploy, now))];
}

async function judge(deps: AppDeps, deploy: Deploy, state: VerificationState): Promise<Judgement> {
  const analysis = verificationAnalysisOf(deps, deploy);
  const judgement = judgeVerification({
    analysis: analysis ? judgeAnalysis(analysis, state.measurements ?? []) : undefined,
    now: deps.clock.now(),
    endsAt: new Date(state.endsAt),
    hasHealthUrl: targetOf(deps, deploy).envConfig.healthUrl !== undefined,
    health: state.health,
    wrongVersionInRow: state.wrongVersionInRow,
    smoke: state.smoke?.state,
    confirmedBy: deploy.verifiedBy?.name,
    autoVerify: deps.config.verification.autoVerify,
  });
  if (judgement.outcome !== 'pending') await conclude(deps, deploy, judgement);
  return judgement;
}

async function conclude(deps: AppDeps, deploy: Deploy, judgement: Judgement): Promise<void> {
  const fresh = await deps.repos.deploys.get(deploy.id);
  if (fresh?.verification !== 'pending') return; // concluded by someone else
  const now = deps.clock.now();
  if (judgement.outcome === 'verified') {
    const by = fresh.verifiedBy ?? SYSTEM_ACTOR;
    await annotate(
      deps,
      fresh,
      'verified',
      { verification: 'verified', verifiedBy: by },
      { actor: by, reason: judgement.reason },
      [{ kind: 'progress', event: { kind: 'verified', reason: judgement.reason } }],
    );
    return;
  }
  // The lock first (fail closed): a crash before the change leaves the env locked, and the next check
  // concludes again.
  await deps.repos.locks.acquire({
    service: deploy.service,
    env: deploy.env,
    kind: 'faulty',
    reason: `${deploy.version ?? deploy.id} is faulty: ${judgement.reason}`,
    createdBy: SYSTEM_ACTOR,
    createdAt: now,
    deployId: deploy.id,
  });
  await annotate(
    deps,
    fresh,
    'faulty',
    { verification: 'faulty', outcomeReason: `Verification failed: ${judgement.reason}` },
    { actor: SYSTEM_ACTOR, reason: judgement.reason },
    [
      { kind: 'progress', event: { kind: 'faulty', reason: judgement.reason } },
      // `verification.autoRollback` (§8): back to the last verified version at once, as a failed rollout does.
      ...(targetOf(deps, deploy).envConfig.verification?.autoRollback && deploy.kind === 'deploy'
        ? [{ kind: 'rolloutRollback' as const }]
        : []),
    ],
  );
}

/**
 * The card's "Verified" button: an R4 or R5 confirms one real workflow. It verifies at once when the
 * automatic checks already pass, else as soon as they do (within the window).
 */
export async function confirmVerification(
  deps: AppDeps,
  actor: Actor & RoleActor,
  deployId: string,
): Promise<{ deploy: Deploy; outcome: Judgement['outcome'] }> {
  const deploy = await loadDeploy(deps, deployId);
  const permission = canVerify(actor, rolesFor(deps, deploy.service));
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  if (deploy.verification !== 'pending') {
    throw new UserFacingError(
      'ALREADY_DECIDED',
      deploy.verification
        ? `Deploy ${deploy.id} is already ${deploy.verification}.`
        : `Deploy ${deploy.id} is not being verified.`,
    );
  }
  const state = await deps.repos.settings.get<VerificationState>(verificationKey(deploy.id));
  if (!state || new Date(state.endsAt).getTime() <= deps.clock.now().getTime()) {
    throw new UserFacingError('EXPIRED', `The verification window of ${deploy.id} is over.`);
  }
  const by = { id: actor.id, name: actor.name };
  const confirmed = await annotate(deps, deploy, 'confirm', { verifiedBy: by }, { actor: by }, [
    { kind: 'progress', event: { kind: 'confirmed', by: actor.name } },
  ]);
  if (!confirmed) throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} was just concluded.`);
  const judgement = await judge(deps, confirmed, state);
  await deps.outbox.drain(deploy.id);
  return { deploy: (await deps.repos.deploys.get(deploy.id)) ?? confirmed, outcome: judgement.outcome };
}
