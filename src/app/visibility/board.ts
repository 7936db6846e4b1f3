import { randomUUID } from 'node:crypto';
import { boardRows } from '../../domain/status-board.js';
import { STATUS_BOARD_JOB } from '../job-names.js';
import type { AppDeps } from '../ports/deps.js';
import type { StatusBoardView } from '../ports/status-board.js';
import { boardSnapshot } from '../status/board.js';

/**
 * The pinned status board (§17): one message per ops channel, edited in place. Any change that may show on it
 * marks it dirty; the marks of a few seconds make one debounced job, so the board is edited at most once per
 * `visibility.boardDebounce` whatever happens (Discord allows a handful of edits per message per few
 * seconds). A lease makes sure two instances never refresh it at once, so they never post two boards.
 */

/** The settings key of the board of `channelId`: where its message is and what it last showed. */
export const boardKey = (channelId: string): string => `statusBoard:${channelId}`;
export const BOARD_LEASE = 'status-board';
const LEASE_TTL_MS = 30_000;

export interface BoardRecord {
  readonly channelId: string;
  readonly messageId: string;
  /** The rows last shown, as JSON: an unchanged board is not edited. */
  readonly shown: string;
}

export type BoardOutcome = 'off' | 'busy' | 'unchanged' | 'edited' | 'posted' | 'recreated';

/** Asks for a board refresh at the end of the current debounce window (one job per window). */
export async function markBoardDirty(deps: AppDeps): Promise<void> {
  if (!deps.config.visibility.statusBoard || !deps.board) return;
  const every = deps.config.visibility.boardDebounce;
  const due = (Math.floor(deps.clock.now().getTime() / every) + 1) * every;
  await deps.jobs.schedule(STATUS_BOARD_JOB, {}, { at: new Date(due), uniqueKey: `board:${due}` });
}

/** Marks the board dirty, never failing what was already recorded (a lock, a freeze, maintenance). */
export async function boardChanged(deps: AppDeps): Promise<void> {
  try {
    await markBoardDirty(deps);
  } catch (error) {
    deps.log.warn({ err: error }, 'could not schedule a status board refresh');
  }
}

/** The pinned board's rows, from the one read model the web page shows too. */
export async function boardView(deps: AppDeps): Promise<StatusBoardView> {
  const snapshot = await boardSnapshot(deps);
  return {
    rows: boardRows(snapshot),
    at: snapshot.at,
    ...(snapshot.maintenance ? { maintenance: snapshot.maintenance } : {}),
  };
}

/**
 * Brings the board up to date: edits it when what it shows changed, posts (and pins) a new one when there is
 * none or Discord says it is gone. `check` also asks Discord whether an unchanged board still exists (the
 * periodic job and start-up), so a deleted board comes back even when nothing changes.
 */
export async function refreshStatusBoard(
  deps: AppDeps,
  options: { check?: boolean } = {},
): Promise<BoardOutcome> {
  const poster = deps.board;
  if (!poster || !deps.config.visibility.statusBoard) return 'off';
  // One holder per refresh, not per instance: two refreshes in one process must not overlap either.
  const holder = `${deps.instance.id}:${deps.instance.boot}:${randomUUID()}`;
  if (!(await deps.repos.leases.acquire(BOARD_LEASE, holder, LEASE_TTL_MS, deps.clock.now()))) return 'busy';
  try {
    const channelId = deps.config.discord.opsChannelId;
    const key = boardKey(channelId);
    const view = await boardView(deps);
    const shown = JSON.stringify({ rows: view.rows, maintenance: view.maintenance ?? null });
    const saved = await deps.repos.settings.get<BoardRecord>(key);
    if (saved) {
      if (saved.shown === shown) {
        if (!options.check || (await poster.check(channelId, saved.messageId)) === 'present')
          return 'unchanged';
      } else if ((await poster.edit(channelId, saved.messageId, view)) === 'edited') {
        await deps.repos.settings.set(key, { ...saved, shown }, deps.clock.now());
        return 'edited';
      }
      deps.log.info({ channelId, messageId: saved.messageId }, 'status board was deleted; posting it again');
    }
    const messageId = await poster.post(channelId, view);
    await deps.repos.settings.set(
      key,
      { channelId, messageId, shown } satisfies BoardRecord,
      deps.clock.now(),
    );
    return saved ? 'recreated' : 'posted';
  } finally {
    await deps.repos.leases.release(BOARD_LEASE, holder);
  }
}
