import { newId } from '../../domain/ids.js';
import { SYSTEM_ACTOR, type Actor, type Deploy } from '../../domain/model.js';
import { clampReason, shortSha } from '../../domain/text.js';
import { audit } from '../audit.js';
import { proceed } from '../deploys/proceed.js';
import type { AppDeps } from '../ports/deps.js';
import { transition } from '../pipeline/transition.js';

/** How people know a deploy: its version, or its SHA for a record that has none. */
function known(deploy: Deploy): string {
  return deploy.version ?? shortSha(deploy.sha);
}

/** The faulty lock a failed rollout leaves: nothing else is deployed there until the rollback succeeded. */
async function lockFaulty(deps: AppDeps, deploy: Deploy, reason: string, by: Actor): Promise<void> {
  // One faulty lock per env: the one the abort (or the faulty verification) took is kept. Asked first rather
  // than left to the store's unique index, so a database without it does not get a second lock that the
  // rollback's success would leave behind.
  const held = await deps.repos.locks.list({ service: deploy.service, env: deploy.env });
  if (held.some((lock) => lock.kind === 'faulty')) return;
  await deps.repos.locks.acquire({
    service: deploy.service,
    env: deploy.env,
    kind: 'faulty',
    reason: `${known(deploy)} rollout failed: ${reason}`,
    createdBy: by,
    createdAt: deps.clock.now(),
    deployId: deploy.id,
  });
}

/**
 * Ends a rollout that must not go on (failed analysis, Abort): the env is locked as faulty first (fail
 * closed: a crash after it leaves the env locked), then the change, which owes the automatic rollback.
 */
export async function abortRollout(
  deps: AppDeps,
  deploy: Deploy,
  by: Actor,
  reason: string,
): Promise<Deploy | undefined> {
  await lockFaulty(deps, deploy, reason, by);
  return transition(
    deps,
    deploy,
    'abortRollout',
    { outcomeReason: reason, finishedAt: deps.clock.now(), verification: 'faulty' },
    { actor: by, reason },
    [{ kind: 'progress', event: { kind: 'rolloutAborted', reason } }],
  );
}

/**
 * The effect an aborted (or failed mid-way) rollout owes: a rollback to the last verified version, at once
 * and without approval (§15), requested by the bot and audited; as an emergency rollback it asks the R5s to
 * acknowledge it. Checks before it does: a rollback of this deploy that already exists is taken on, not
 * created again.
 */
export async function rollBackRollout(deps: AppDeps, deploy: Deploy): Promise<void> {
  const reason = deploy.outcomeReason ?? 'the rollout failed';
  const recent = await deps.repos.deploys.history({ service: deploy.service, env: deploy.env, limit: 50 });
  const existing = recent.find((d) => d.kind === 'rollback' && d.rollbackOf === deploy.id);
  if (existing) {
    if (existing.state === 'requested') await takeOn(deps, existing);
    return;
  }
  // Not again once the rollback exists: its success releases the lock, and a retry must not take it back.
  await lockFaulty(deps, deploy, reason, SYSTEM_ACTOR);
  const goal = await deps.repos.deploys.lastSucceeded(deploy.service, deploy.env, {
    verifiedOnly: true,
    before: deploy.createdAt,
  });
  if (!goal) {
    deps.log.warn({ deployId: deploy.id }, 'rollout failed with no verified version to roll back to');
    await audit(deps, deploy, 'rollout.rollback.impossible', {
      actor: SYSTEM_ACTOR,
      reason: 'no verified version before this one; the env stays locked',
    });
    return;
  }
  const goalName = known(goal);
  const what = `Automatic rollback of ${known(deploy)} to ${goalName}`;
  const now = deps.clock.now();
  const rollback = await deps.repos.deploys.create({
    id: newId('D'),
    kind: 'rollback',
    service: deploy.service,
    env: deploy.env,
    ref: goal.version ?? goal.sha,
    sha: goal.sha,
    state: 'requested',
    reason: clampReason(`${what}: ${reason}`),
    requestedBy: SYSTEM_ACTOR,
    createdAt: now,
    rollbackOf: deploy.id,
    emergency: true,
    // A freeze (or the nightly smoke's soft freeze) must not keep a failed version live until it ends
    // (§7, §15): the rollback carries the bot's own override, shown on its card like an R5's.
    override: {
      by: SYSTEM_ACTOR,
      reason: clampReason(`automatic rollback, freeze or not: ${reason}`),
      rollbackPlan: `This is the rollback: back to ${goalName}, the last verified version.`,
      at: now,
    },
  });
  await audit(deps, rollback, 'rollback.requested', {
    actor: SYSTEM_ACTOR,
    reason: rollback.reason,
    details: { rollbackOf: deploy.id, automatic: true, passesFreezes: true },
  });
  await takeOn(deps, rollback);
}

async function takeOn(deps: AppDeps, rollback: Deploy): Promise<void> {
  // No approval (§15); the other gates still apply, freezes aside (its override). The dispatch owes the R5s'
  // acknowledgement requests.
  await proceed(
    deps,
    rollback,
    { actor: SYSTEM_ACTOR },
    { patch: {}, reason: 'automatic rollback of a failed rollout: no approval needed' },
  );
}
