import { nextTransitions, type TransitionKind } from '../domain/freeze-windows.js';
import { SYSTEM_ACTOR } from '../domain/model.js';
import { formatLocalTime } from '../domain/text.js';
import type { AppDeps } from './ports/deps.js';
import { freezeWindowsOf } from './deploys/gates.js';
import { offerQueued } from './deploys/queue.js';
import { announce, voidPendingApprovals } from './ops-effects.js';

/** Agenda job names: a repeating planner, and one announcement per transition. */
export const FREEZE_JOBS = { plan: 'freeze-plan', announce: 'freeze-announce' } as const;

/** How far ahead the planner schedules, and how far back it still catches a transition it missed (a restart). */
export const PLAN_HORIZON_MS = 24 * 3_600_000;
export const PLAN_LOOKBACK_MS = 5 * 60_000;

/** One announcement, as the job carries it (plain data, dates as ISO strings). */
export interface AnnounceData {
  readonly key: string;
  readonly kind: TransitionKind;
  readonly source: 'window' | 'freeze';
  readonly name: string;
  readonly freezeId?: string;
  readonly envs: readonly string[];
  readonly startsAt: string;
  readonly endsAt: string;
}

/** Stable key of a one-off freeze's transition (windows use nextTransitions' own key). */
export function transitionKey(freezeId: string, kind: TransitionKind, startsAt: Date): string {
  return `${freezeId}|${kind}|${startsAt.toISOString()}`;
}

const markerKey = (key: string): string => `freeze-announced:${key}`;

async function announced(deps: AppDeps, key: string): Promise<boolean> {
  return (await deps.repos.settings.get<{ at: string }>(markerKey(key))) !== undefined;
}

export async function markAnnounced(deps: AppDeps, key: string): Promise<void> {
  const now = deps.clock.now();
  await deps.repos.settings.set(markerKey(key), { at: now.toISOString() }, now);
}

/** Transitions of the configured windows and of the one-off freezes in [from, to), in time order. */
export async function freezeTransitions(deps: AppDeps, from: Date, to: Date): Promise<AnnounceData[]> {
  const windows: AnnounceData[] = nextTransitions(freezeWindowsOf(deps), from, to).map((t) => ({
    key: t.key,
    kind: t.kind,
    source: 'window',
    name: t.name,
    envs: t.envs,
    startsAt: t.startsAt.toISOString(),
    endsAt: t.endsAt.toISOString(),
  }));
  const oneOffs: AnnounceData[] = [];
  for (const freeze of await deps.repos.freezes.overlapping(from, to)) {
    for (const [kind, at] of [
      ['start', freeze.startsAt],
      ['end', freeze.endsAt],
    ] as const) {
      if (at.getTime() < from.getTime() || at.getTime() >= to.getTime()) continue;
      oneOffs.push({
        key: transitionKey(freeze.id, kind, freeze.startsAt),
        kind,
        source: 'freeze',
        name: freeze.reason,
        freezeId: freeze.id,
        envs: freeze.envs,
        startsAt: freeze.startsAt.toISOString(),
        endsAt: freeze.endsAt.toISOString(),
      });
    }
  }
  const at = (d: AnnounceData): number => transitionAt(deps, d).getTime();
  return [...windows, ...oneOffs].sort((a, b) => at(a) - at(b));
}

function bufferOf(deps: AppDeps, data: AnnounceData): number {
  if (data.source !== 'window') return 0;
  return freezeWindowsOf(deps).find((w) => w.name === data.name)?.bufferBeforeMs ?? 0;
}

/** When the transition happens. */
export function transitionAt(deps: AppDeps, data: AnnounceData): Date {
  if (data.kind === 'end') return new Date(data.endsAt);
  return new Date(Date.parse(data.startsAt) - (data.kind === 'buffer-start' ? bufferOf(deps, data) : 0));
}

/**
 * The planner (a repeating job, and once at startup): schedules one announcement job per transition in the
 * next 24 h, keyed by the transition's stable key so each is scheduled once however many instances plan.
 * Transitions already announced are left alone. Returns how many were (re)scheduled.
 */
export async function planAnnouncements(deps: AppDeps): Promise<number> {
  const now = deps.clock.now().getTime();
  const transitions = await freezeTransitions(
    deps,
    new Date(now - PLAN_LOOKBACK_MS),
    new Date(now + PLAN_HORIZON_MS),
  );
  let planned = 0;
  for (const data of transitions) {
    if (await announced(deps, data.key)) continue;
    await deps.jobs.schedule(
      FREEZE_JOBS.announce,
      { ...data },
      { at: transitionAt(deps, data), uniqueKey: data.key },
    );
    planned += 1;
  }
  return planned;
}

/**
 * One announcement (§7): posted once (a second run finds the marker and does nothing). At a buffer start or
 * a start, pending approvals for the frozen envs are voided and wait in the queue; at the end, queued
 * requests are offered again. A lifted one-off freeze, or a window already over, is not announced.
 */
export async function announceTransition(deps: AppDeps, data: AnnounceData): Promise<'posted' | 'skipped'> {
  if (await announced(deps, data.key)) return 'skipped';
  const now = deps.clock.now();
  let endsAt = new Date(data.endsAt);
  if (data.source === 'freeze' && data.freezeId) {
    const freeze = await deps.repos.freezes.get(data.freezeId);
    if (!freeze || freeze.liftedAt) {
      await markAnnounced(deps, data.key);
      return 'skipped';
    }
    endsAt = freeze.endsAt;
  }
  if (data.kind !== 'end' && endsAt.getTime() <= now.getTime()) {
    await markAnnounced(deps, data.key); // missed entirely (e.g. a long outage): the window is over
    return 'skipped';
  }
  let voided = 0;
  let offered = 0;
  if (data.kind === 'end') {
    offered = await offerQueued(deps);
  } else {
    const what = data.source === 'window' ? `${data.name} freeze` : `freeze: ${data.name}`;
    voided = await voidPendingApprovals(deps, data.envs, {
      code: 'FROZEN',
      reason: `${what} until ${formatLocalTime(endsAt, deps.config.timezone)}`,
      actor: SYSTEM_ACTOR,
    });
  }
  await markAnnounced(deps, data.key);
  await announce(deps, {
    kind: 'freeze-transition',
    transition: data.kind,
    source: data.source,
    name: data.name,
    ...(data.freezeId ? { freezeId: data.freezeId } : {}),
    envs: data.envs,
    startsAt: new Date(data.startsAt),
    endsAt,
    voided,
    offered,
  });
  deps.log.info({ key: data.key, kind: data.kind, voided, offered }, 'freeze transition announced');
  return 'posted';
}
