import type { Deploy, EffectSpec } from '../../domain/model.js';
import { SYSTEM_ACTOR } from '../../domain/model.js';
import { armScheduleFire } from '../continuous/schedule.js';
import { requestPromotion } from '../continuous/promotion.js';
import { offerQueued } from '../deploys/queue.js';
import { voidStaleProdApprovals } from '../deploys/supersede.js';
import { APPROVAL_JOBS, EMERGENCY_ACK_JOB, VERIFY_JOB } from '../job-names.js';
import type { AppDeps } from '../ports/deps.js';
import { startVerification } from '../verification.js';
import { answerProtectionEffect } from '../protection-rule.js';
import { dispatchEffect } from './dispatch.js';
import { createDeploymentEffect, createTagEffect, finalDeploymentStatus } from './github-effects.js';
import { annotate } from './transition.js';
import type { EffectContext } from './worker.js';
import { markBoardDirty } from '../visibility/board.js';
import { prFeedbackEffect } from '../visibility/pr-feedback.js';
import { createReleaseEffect } from '../visibility/releases.js';
import { rollBackRollout } from '../rollout/abort.js';
import { dispatchRolloutStep, scheduleRolloutTimer } from '../rollout/steps.js';

/**
 * What each effect does (the table of which change owes which effect is domain/deploy-effects.ts). Every
 * handler is safe to run again: it checks before it does when the context is in doubt, and each Discord or
 * GitHub call that fails throws, so the worker retries it with backoff.
 */
export async function performEffect(deps: AppDeps, context: EffectContext): Promise<'done' | 'wait'> {
  const { deploy, effect, key, inDoubt } = context;
  const spec = effect.spec;
  switch (spec.kind) {
    case 'audit':
      await writeAudit(deps, deploy, key, spec);
      return 'done';
    case 'card':
      await syncCard(deps, deploy, { ping: spec.ping === true, inDoubt });
      return 'done';
    case 'progress':
      if (!cardIsOut(deploy)) return 'wait';
      await deps.notifier.progress(deploy, spec.event, key);
      return 'done';
    case 'tellRequester':
      await deps.notifier.tellRequester(deploy, spec.notice, key);
      return 'done';
    case 'marker':
      await postMarker(deps, deploy, inDoubt);
      return 'done';
    case 'dispatch':
      await dispatchEffect(deps, deploy, {
        gatesChecked: spec.gatesChecked,
        inDoubt,
        attempts: effect.attempts,
      });
      return 'done';
    case 'deployment':
      await createDeploymentEffect(deps, deploy, inDoubt);
      return 'done';
    case 'deploymentStatus':
      await finalDeploymentStatus(deps, deploy, spec.state);
      return 'done';
    case 'tag':
      await createTagEffect(deps, deploy);
      return 'done';
    case 'verification':
      await startVerification(deps, deploy, inDoubt);
      return 'done';
    case 'verificationCheck':
      await deps.jobs.schedule(
        VERIFY_JOB,
        { deployId: deploy.id, tick: 1 },
        { at: deps.clock.now(), uniqueKey: `verify:${deploy.id}:1` },
      );
      return 'done';
    case 'releaseLock':
      await releaseFaultyLock(deps, deploy);
      return 'done';
    case 'voidStaleApprovals':
      await voidStaleProdApprovals(deps, deploy);
      return 'done';
    case 'offerQueue':
      await offerQueued(deps, deploy.service, deploy.env);
      return 'done';
    case 'approvalTimers':
      await scheduleApprovalTimers(deps, deploy);
      return 'done';
    case 'ackRequest':
      await deps.jobs.schedule(
        EMERGENCY_ACK_JOB,
        { deployId: deploy.id, round: 1 },
        { at: deps.clock.now(), uniqueKey: `ack:${deploy.id}:1` },
      );
      return 'done';
    case 'finished':
      deps.events.finished(deploy.service, deploy.env, deploy.state);
      return 'done';
    // Visibility (§17): src/app/visibility/.
    case 'release':
      await createReleaseEffect(deps, deploy, { inDoubt });
      return 'done';
    case 'prFeedback':
      await prFeedbackEffect(deps, deploy);
      return 'done';
    case 'board':
      await markBoardDirty(deps);
      return 'done';
    // The deployment protection rule (§16).
    case 'protectionAnswer':
      await answerProtectionEffect(deps, deploy, spec);
      return 'done';
    // Continuous delivery and scheduled deploys (§15).
    case 'promotion':
      await requestPromotion(deps, deploy);
      return 'done';
    case 'scheduleFire':
      await armScheduleFire(deps, deploy);
      return 'done';
    // Progressive rollout (§15).
    case 'rolloutTimer':
      await scheduleRolloutTimer(deps, deploy);
      return 'done';
    case 'rolloutDispatch':
      await dispatchRolloutStep(deps, deploy, { inDoubt, attempts: effect.attempts });
      return 'done';
    case 'rolloutRollback':
      await rollBackRollout(deps, deploy);
      return 'done';
  }
}

/** Progress lines go in the card's thread: they wait for the card, unless the card could not be posted. */
function cardIsOut(deploy: Deploy): boolean {
  return deploy.messageId !== undefined || deploy.effects?.card?.status === 'gave_up';
}

async function writeAudit(
  deps: AppDeps,
  deploy: Deploy,
  key: string,
  spec: Extract<EffectSpec, { kind: 'audit' }>,
): Promise<void> {
  // The id is the effect's: a retried entry is the same entry, and the repository keeps it once.
  await deps.repos.audit.append({
    id: `A-${deploy.id}-${key}`,
    at: new Date(spec.at),
    actor: spec.note.actor,
    action: spec.action,
    service: deploy.service,
    env: deploy.env,
    sha: deploy.sha,
    ...(spec.version ? { version: spec.version } : {}),
    deployId: deploy.id,
    outcome: spec.outcome,
    ...(spec.note.reason ? { reason: spec.note.reason } : {}),
    ...(spec.note.details ? { details: spec.note.details } : {}),
  });
}

/**
 * The card, rendered from this (the newest) record. Edits of one card never overlap: only the holder of the
 * deploy's outbox edits it, and a change made during an edit re-arms the card, so it is edited once more.
 */
async function syncCard(
  deps: AppDeps,
  deploy: Deploy,
  options: { ping: boolean; inDoubt: boolean },
): Promise<void> {
  let current = deploy;
  if (current.messageId === undefined && options.inDoubt) {
    // A card posted just before a crash, whose location was never saved: adopt it rather than post twice.
    const found = await deps.notifier.findPosted(current, 'card');
    if (found) current = (await deps.repos.deploys.update(current.id, found, deps.clock.now())) ?? current;
  }
  const approval = await deps.repos.approvals.get(current.id);
  const location = await deps.notifier.showCard(current, {
    ...(approval ? { approval } : {}),
    pingApprovers: options.ping && current.messageId === undefined,
  });
  // Where the card went, so later edits (and the thread) find it.
  if (location && current.messageId === undefined) {
    await deps.repos.deploys.update(current.id, location, deps.clock.now());
  }
}

async function postMarker(deps: AppDeps, deploy: Deploy, inDoubt: boolean): Promise<void> {
  const posted = inDoubt ? await deps.notifier.findPosted(deploy, 'marker') : undefined;
  if (!posted) await deps.notifier.postMarker(deploy);
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
      durationMs:
        deploy.dispatchedAt && deploy.finishedAt
          ? deploy.finishedAt.getTime() - deploy.dispatchedAt.getTime()
          : undefined,
      runUrl: deploy.runUrl,
      previousVersion: deploy.previousVersion,
    },
    'deploy.marker',
  );
  deps.events.markerPosted(deploy.service, deploy.env);
}

/** A successful rollback ends the faulty lock it was for; so does a deploy that was verified. */
async function releaseFaultyLock(deps: AppDeps, deploy: Deploy): Promise<void> {
  if (!(await deps.repos.locks.release(deploy.service, deploy.env, 'faulty'))) return;
  const why =
    deploy.kind === 'rollback' && deploy.verification !== 'verified'
      ? `rollback ${deploy.id} succeeded`
      : `${deploy.version ?? deploy.id} was verified`;
  await annotate(deps, deploy, 'unlocked', {}, { actor: SYSTEM_ACTOR, reason: why }, [
    { kind: 'progress', event: { kind: 'unlocked', why } },
  ]);
}

async function scheduleApprovalTimers(deps: AppDeps, deploy: Deploy): Promise<void> {
  const approval = await deps.repos.approvals.get(deploy.id);
  if (approval?.status !== 'pending') return;
  await deps.jobs.schedule(
    APPROVAL_JOBS.remind,
    { deployId: deploy.id },
    { at: approval.repingAt, uniqueKey: `remind:${deploy.id}` },
  );
  await deps.jobs.schedule(
    APPROVAL_JOBS.expire,
    { deployId: deploy.id },
    { at: approval.expiresAt, uniqueKey: `expire:${deploy.id}` },
  );
}
