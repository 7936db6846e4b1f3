import { UserFacingError } from '../domain/errors.js';
import { formatDuration } from '../domain/duration.js';
import { listFreezes, type FreezeListing } from '../domain/freeze-windows.js';
import { newId } from '../domain/ids.js';
import type { Actor, Freeze } from '../domain/model.js';
import { canFreeze, type RoleActor } from '../domain/roles.js';
import { clampReason, echoInput, formatLocalTime } from '../domain/text.js';
import type { AppDeps } from './ports/deps.js';
import { freezeWindowsOf } from './deploys/gates.js';
import { offerQueued } from './deploys/queue.js';
import { announce } from './ops-effects.js';
import {
  announceTransition,
  markAnnounced,
  planAnnouncements,
  transitionKey,
} from './freeze-announcements.js';

type Acting = Actor & RoleActor;

export const FREEZE_LIMITS = { minMs: 60_000, maxMs: 14 * 86_400_000, aheadMs: 90 * 86_400_000 } as const;
const LIST_SPAN_MS = 7 * 86_400_000;

/** Every environment some service has, for checking `env` options. */
export function knownEnvs(deps: AppDeps): string[] {
  const envs = new Set<string>();
  for (const service of Object.values(deps.config.services))
    for (const e of service.environments) envs.add(e.name);
  return [...envs];
}

function requireEnv(deps: AppDeps, env: string | undefined): string {
  const chosen = env ?? deps.config.prodEnvironment;
  const known = knownEnvs(deps);
  if (!known.includes(chosen)) {
    throw new UserFacingError(
      'UNKNOWN_ENV',
      `Unknown environment "${echoInput(chosen)}". Choose one of: ${known.join(', ')}.`,
    );
  }
  return chosen;
}

export interface FreezeInput {
  /** Omitted: starts now. */
  readonly startsAt?: Date;
  readonly durationMs: number;
  readonly reason: string;
  readonly env?: string;
}

/** `/freeze start` and `/freeze schedule` (§7): R5; a one-off freeze of one env (the prod env by default). */
export async function startFreeze(deps: AppDeps, actor: Acting, input: FreezeInput): Promise<Freeze> {
  const permission = canFreeze(actor, deps.config.discord.roles);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const env = requireEnv(deps, input.env);
  const reason = clampReason(input.reason);
  if (reason.length < 3)
    throw new UserFacingError('BAD_INPUT', 'Give a reason for the freeze (a few words).');
  if (input.durationMs < FREEZE_LIMITS.minMs || input.durationMs > FREEZE_LIMITS.maxMs) {
    throw new UserFacingError(
      'BAD_INPUT',
      `The duration must be between ${formatDuration(FREEZE_LIMITS.minMs)} and ${formatDuration(FREEZE_LIMITS.maxMs)}.`,
    );
  }
  const now = deps.clock.now();
  const startsAt = input.startsAt && input.startsAt.getTime() > now.getTime() ? input.startsAt : now;
  if (input.startsAt && input.startsAt.getTime() < now.getTime() - 60_000) {
    throw new UserFacingError(
      'BAD_INPUT',
      `That start (${formatLocalTime(input.startsAt, deps.config.timezone)}) is in the past.`,
    );
  }
  if (startsAt.getTime() - now.getTime() > FREEZE_LIMITS.aheadMs) {
    throw new UserFacingError('BAD_INPUT', 'A freeze can be scheduled at most 90 days ahead.');
  }
  const freeze = await deps.repos.freezes.create({
    id: newId('F'),
    reason,
    envs: [env],
    startsAt,
    endsAt: new Date(startsAt.getTime() + input.durationMs),
    createdBy: { id: actor.id, name: actor.name },
    createdAt: now,
  });
  const scheduled = startsAt.getTime() > now.getTime();
  await deps.repos.audit.append({
    id: newId('A'),
    at: now,
    actor: { id: actor.id, name: actor.name },
    action: scheduled ? 'freeze.scheduled' : 'freeze.started',
    env,
    reason,
    details: {
      freezeId: freeze.id,
      startsAt: freeze.startsAt.toISOString(),
      endsAt: freeze.endsAt.toISOString(),
    },
  });
  deps.log.info(
    { freezeId: freeze.id, env, startsAt: freeze.startsAt, endsAt: freeze.endsAt },
    'freeze created',
  );
  if (scheduled) {
    await announce(deps, { kind: 'freeze-scheduled', freeze });
  } else {
    // Starting now: announce (and void approvals) at once rather than waiting for the planner.
    await announceTransition(deps, {
      key: transitionKey(freeze.id, 'start', freeze.startsAt),
      kind: 'start',
      source: 'freeze',
      name: freeze.reason,
      freezeId: freeze.id,
      envs: freeze.envs,
      startsAt: freeze.startsAt.toISOString(),
      endsAt: freeze.endsAt.toISOString(),
    });
  }
  await planAnnouncements(deps).catch((error: unknown) => {
    deps.log.warn({ err: error, freezeId: freeze.id }, 'could not plan freeze announcements');
  });
  return freeze;
}

/** `/freeze lift id` (§7): R5; ends a one-off freeze now and offers the queued requests again. */
export async function liftFreeze(deps: AppDeps, actor: Acting, freezeId: string): Promise<Freeze> {
  const permission = canFreeze(actor, deps.config.discord.roles);
  if (!permission.ok) throw new UserFacingError('NOT_ALLOWED', permission.reason);
  const existing = await deps.repos.freezes.get(freezeId);
  if (!existing)
    throw new UserFacingError(
      'NOT_FOUND',
      `No freeze ${echoInput(freezeId, 20)} was found (recurring windows come from the configuration and cannot be lifted).`,
    );
  const now = deps.clock.now();
  if (existing.liftedAt || existing.endsAt.getTime() <= now.getTime()) {
    throw new UserFacingError('ALREADY_DECIDED', `Freeze ${existing.id} is already over.`);
  }
  const by = { id: actor.id, name: actor.name };
  const lifted = await deps.repos.freezes.lift(freezeId, by, now);
  if (!lifted)
    throw new UserFacingError(
      'ALREADY_DECIDED',
      `Freeze ${existing.id} was lifted by someone else just now.`,
    );
  await deps.repos.audit.append({
    id: newId('A'),
    at: now,
    actor: by,
    action: 'freeze.lifted',
    env: lifted.envs.join(','),
    reason: lifted.reason,
    details: {
      freezeId: lifted.id,
      startsAt: lifted.startsAt.toISOString(),
      endsAt: lifted.endsAt.toISOString(),
    },
  });
  // Its scheduled start and end announcements have nothing left to say.
  await markAnnounced(deps, transitionKey(lifted.id, 'start', lifted.startsAt));
  await markAnnounced(deps, transitionKey(lifted.id, 'end', lifted.startsAt));
  const offered = await offerQueued(deps);
  await announce(deps, { kind: 'freeze-lifted', freeze: lifted, by, offered });
  return lifted;
}

/** `/freeze list` (§7): what is frozen now and in the next 7 days, windows and one-off freezes. */
export async function upcomingFreezes(
  deps: AppDeps,
  env?: string,
): Promise<{ from: Date; to: Date; rows: FreezeListing[] }> {
  const from = deps.clock.now();
  const to = new Date(from.getTime() + LIST_SPAN_MS);
  const oneOffs = await deps.repos.freezes.overlapping(from, to);
  return { from, to, rows: listFreezes(freezeWindowsOf(deps), oneOffs, from, to, env) };
}
