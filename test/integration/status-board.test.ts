import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFreeze } from '../../src/app/freezes.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import type { StatusBoardPoster, StatusBoardView } from '../../src/app/ports/status-board.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { STATUS_BOARD_JOB } from '../../src/app/job-names.js';
import { BOARD_LEASE, boardKey, markBoardDirty, refreshStatusBoard } from '../../src/app/visibility/board.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

/** The pinned status board (§17) through the app layer, with a poster that records what Discord got. */

interface FakeBoard extends StatusBoardPoster {
  posted: StatusBoardView[];
  edits: StatusBoardView[];
  checks: number;
  gone: Set<string>;
}

function fakePoster(): FakeBoard {
  let next = 1;
  const board: FakeBoard = {
    posted: [],
    edits: [],
    checks: 0,
    gone: new Set(),
    post(_channel, view) {
      board.posted.push(view);
      return Promise.resolve(`board-${next++}`);
    },
    edit(_channel, messageId, view) {
      if (board.gone.has(messageId)) return Promise.resolve('missing');
      board.edits.push(view);
      return Promise.resolve('edited');
    },
    check(_channel, messageId) {
      board.checks += 1;
      return Promise.resolve(board.gone.has(messageId) ? 'missing' : 'present');
    },
  };
  return board;
}

let h: AppHarness;
let poster: FakeBoard;
let deps: AppDeps;
beforeEach(async () => {
  h = await startAppHarness();
  poster = fakePoster();
  deps = { ...h.deps, board: poster };
});
afterEach(async () => {
  await h.close();
});

const rowOf = (view: StatusBoardView | undefined, service: string, env: string) =>
  view?.rows.find((r) => r.service === service && r.env === env);

describe('status board', () => {
  it('posts one board, keeps its id in settings, and edits it only when what it shows changed', async () => {
    expect(await refreshStatusBoard(deps)).toBe('posted');
    const saved = await deps.repos.settings.get<{ messageId: string }>(
      boardKey(deps.config.discord.opsChannelId),
    );
    expect(saved?.messageId).toBe('board-1');
    expect(rowOf(poster.posted[0], 'api', 'staging')).toMatchObject({ health: 'empty', queued: 0 });
    expect(poster.posted[0]?.rows).toHaveLength(4);

    expect(await refreshStatusBoard(deps)).toBe('unchanged');
    expect(poster.edits).toHaveLength(0);

    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(h.deps, deploy.id);
    await h.deps.outbox.drain(done.id);
    expect(await refreshStatusBoard(deps)).toBe('edited');
    expect(rowOf(poster.edits[0], 'api', 'staging')).toMatchObject({
      version: done.version,
      shortSha: done.sha.slice(0, 7),
      verification: 'pending',
      health: 'ok',
    });
    expect(poster.posted).toHaveLength(1);
  });

  it('shows locks, freezes and maintenance', async () => {
    await refreshStatusBoard(deps);
    await deps.repos.locks.acquire({
      service: 'web',
      env: 'prod',
      kind: 'manual',
      reason: 'load test',
      createdBy: { id: 'u', name: 'bob' },
      createdAt: new Date(),
    });
    await startFreeze(h.deps, people.bob, { durationMs: 3_600_000, reason: 'launch week' });
    await deps.repos.settings.set(
      'maintenance',
      { on: true, reason: 'db move', by: { id: 'u', name: 'bob' }, at: new Date().toISOString() },
      new Date(),
    );
    expect(await refreshStatusBoard(deps)).toBe('edited');
    const view = poster.edits.at(-1);
    expect(view?.maintenance).toEqual({ reason: 'db move', by: 'bob' });
    expect(rowOf(view, 'web', 'prod')?.holds).toEqual(
      expect.arrayContaining(['locked (manual): load test', 'frozen: launch week']),
    );
    expect(rowOf(view, 'api', 'staging')?.holds).toEqual(['maintenance']);
  });

  it('a deleted board is posted again: found on edit, and by the check when nothing changed', async () => {
    await refreshStatusBoard(deps);
    poster.gone.add('board-1');
    // Nothing changed: only the check (start-up, every minute) notices.
    expect(await refreshStatusBoard(deps)).toBe('unchanged');
    expect(await refreshStatusBoard(deps, { check: true })).toBe('recreated');
    expect(poster.posted).toHaveLength(2);
    poster.gone.add('board-2');
    await deps.repos.locks.acquire({
      service: 'api',
      env: 'prod',
      kind: 'manual',
      reason: 'x',
      createdBy: { id: 'u', name: 'bob' },
      createdAt: new Date(),
    });
    // Changed: the edit answers Unknown Message, so it is posted again.
    expect(await refreshStatusBoard(deps)).toBe('recreated');
    const saved = await deps.repos.settings.get<{ messageId: string }>(
      boardKey(deps.config.discord.opsChannelId),
    );
    expect(saved?.messageId).toBe('board-3');
    expect(await refreshStatusBoard(deps, { check: true })).toBe('unchanged');
  });

  it('two instances never post two boards: a refresh holds the lease', async () => {
    await deps.repos.leases.acquire(BOARD_LEASE, 'other-instance:boot', 30_000, new Date());
    expect(await refreshStatusBoard(deps)).toBe('busy');
    expect(poster.posted).toHaveLength(0);
    await deps.repos.leases.release(BOARD_LEASE, 'other-instance:boot');
    const both = await Promise.all([refreshStatusBoard(deps), refreshStatusBoard(deps)]);
    expect(both.sort()).toEqual(['busy', 'posted']);
    expect(poster.posted).toHaveLength(1);
    // The lease is given back after each refresh.
    expect(await refreshStatusBoard(deps)).toBe('unchanged');
  });

  it('is off without a poster or when turned off', async () => {
    expect(await refreshStatusBoard(h.deps)).toBe('off');
    const off = {
      ...deps,
      config: { ...deps.config, visibility: { ...deps.config.visibility, statusBoard: false } },
    };
    expect(await refreshStatusBoard(off)).toBe('off');
    await markBoardDirty(off);
    expect(h.jobs.scheduled.filter((j) => j.name === STATUS_BOARD_JOB)).toEqual([]);
  });

  it('changes mark it dirty: one debounced job per window', async () => {
    await markBoardDirty(deps);
    await markBoardDirty(deps);
    const jobs = h.jobs.scheduled.filter((j) => j.name === STATUS_BOARD_JOB);
    const every = deps.config.visibility.boardDebounce;
    for (const job of jobs) {
      expect(job.at!.getTime() % every).toBe(0);
      expect(job.at!.getTime()).toBeGreaterThan(Date.now() - every);
      expect(job.uniqueKey).toBe(`board:${job.at!.getTime()}`);
    }
    // Two marks in one window share the key (the scheduler keeps one job per key).
    expect(new Set(jobs.map((j) => j.uniqueKey)).size).toBeLessThanOrEqual(2);
    expect(jobs.length).toBe(2);
  });

  it('every deploy change and every freeze owes a board refresh', async () => {
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(h.deps, deploy.id);
    const kinds = Object.values(done.effects ?? {}).map((e) => e.spec.kind);
    expect(kinds).toContain('board');
    const boardDeps = { ...deps, jobs: h.jobs };
    const before = h.jobs.scheduled.length;
    await startFreeze(boardDeps, people.bob, { durationMs: 3_600_000, reason: 'launch week' });
    expect(h.jobs.scheduled.slice(before).map((j) => j.name)).toContain(STATUS_BOARD_JOB);
  });
});
