import { UserFacingError } from '../domain/errors.js';
import type { Actor, Deploy, FreezeOverride } from '../domain/model.js';
import { canOverrideFreeze, type RoleActor } from '../domain/roles.js';
import { oneLine, visibleLength } from '../domain/text.js';
import type { AppDeps } from './ports/deps.js';
import { loadDeploy } from './deploys/context.js';
import { overridableGate } from '../domain/gates.js';
import { audit } from './audit.js';
import { proceed, type Progress } from './deploys/proceed.js';
import { transition } from './pipeline/transition.js';
import { announce } from './ops-effects.js';

type Acting = Actor & RoleActor;

export { overridableGate } from '../domain/gates.js';
export const OVERRIDE_LIMITS = {
  reason: { min: 5, max: 300 },
  rollbackPlan: { min: 10, max: 1000 },
} as const;

/** Who may open the override form, and for what: an R5, on a queued deploy blocked by a freeze. */
export async function checkOverride(deps: AppDeps, actor: Acting, deployId: string): Promise<Deploy> {
  const permission = canOverrideFreeze(actor, deps.config.discord.roles);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const deploy = await loadDeploy(deps, deployId);
  if (!overridableGate(deploy)) {
    throw new UserFacingError(
      'ALREADY_DECIDED',
      `Deploy ${deploy.id} is not waiting for a freeze (${deploy.state.replace('_', ' ')}); there is nothing to override.`,
    );
  }
  return deploy;
}

/**
 * A modal field as stored: one line, without control or invisible format characters. Its length is what a
 * person sees, so spaces, newlines and zero-width characters cannot pass for a rollback plan.
 */
function field(text: string, name: string, limits: { min: number; max: number }): string {
  const value = oneLine(text);
  if (visibleLength(value) < limits.min) {
    throw new UserFacingError('BAD_INPUT', `The ${name} is required (at least ${limits.min} characters).`);
  }
  if (value.length > limits.max) {
    throw new UserFacingError('BAD_INPUT', `The ${name} is too long (${limits.max} characters at most).`);
  }
  return value;
}

/**
 * Emergency override (§7): an R5 with a reason and a written rollback plan lifts FROZEN (and SMOKE_RED) for
 * this one deploy. The override is set in the same atomic step that takes the deploy out of the queue, posted
 * in the ops channel and audited with the plan; the deploy then goes through the gates again. Four-eyes stays:
 * prod still needs an R5 other than the requester to approve.
 */
export async function overrideFreeze(
  deps: AppDeps,
  actor: Acting,
  deployId: string,
  input: { reason: string; rollbackPlan: string },
): Promise<Progress> {
  const deploy = await checkOverride(deps, actor, deployId);
  const gate = overridableGate(deploy) ?? 'FROZEN';
  const reason = field(input.reason, 'reason', OVERRIDE_LIMITS.reason);
  const rollbackPlan = field(input.rollbackPlan, 'rollback plan', OVERRIDE_LIMITS.rollbackPlan);
  const by = { id: actor.id, name: actor.name };
  const override: FreezeOverride = { by, reason, rollbackPlan, at: deps.clock.now() };
  const released = await transition(
    deps,
    deploy,
    'release',
    { override },
    { actor: by, reason: `${gate} overridden: ${reason}` },
  );
  if (!released) {
    throw new UserFacingError('ALREADY_DECIDED', `Deploy ${deploy.id} changed just now; look at its card.`);
  }
  await audit(deps, released, 'deploy.override', {
    actor: by,
    reason,
    details: { gate, rollbackPlan, waitingFor: deploy.waitingFor?.reason ?? '' },
  });
  deps.log.warn(
    { deployId: released.id, service: released.service, env: released.env, gate },
    'freeze overridden',
  );
  await announce(deps, { kind: 'override', deploy: released, gate });
  return proceed(deps, released, { actor: by });
}
