import { freezeStatus, listFreezes, type FreezeListing } from '../../domain/freeze-windows.js';
import { ACTIVE_STATES, type Deploy } from '../../domain/model.js';
import type { BoardEnvFacts, BoardSnapshot } from '../../domain/status-board.js';
import { freezeWindowsOf } from '../deploys/gates.js';
import { byRequestOrder } from '../deploys/line.js';
import { inForce, isGlobal } from '../lock-state.js';
import type { AppDeps } from '../ports/deps.js';
import { maintenanceState } from '../settings.js';

/**
 * The status board's read model (§17), the one both boards show: every service × env with what runs there,
 * whether it is verified, locked or frozen, what waits and what happened last. The pinned Discord board
 * (src/app/visibility/board.ts) turns it into rows; the web status page renders it as a table.
 *
 * Locks are read as the gates read them: the global lock holds every env, and an expired lock no longer
 * holds even before the sweep removes it.
 */

const BOARD_FREEZE_SPAN_MS = 7 * 86_400_000;
/** What each env needs a query of its own for (its last success, and its last deploy for the page), a few at a time. */
const ENVS_AT_ONCE = 8;

export async function boardSnapshot(
  deps: AppDeps,
  /** The web page shows each env's last deploy; the pinned board does not (a read per env it saves). */
  options: { lastDeploys?: boolean } = {},
): Promise<BoardSnapshot> {
  const { repos, config } = deps;
  const now = deps.clock.now();
  const [allLocks, oneOffs, maintenance, active, queued] = await Promise.all([
    repos.locks.list(),
    repos.freezes.overlapping(now, new Date(now.getTime() + 1)),
    maintenanceState(repos.settings),
    repos.deploys.findByStates(ACTIVE_STATES),
    repos.deploys.findByStates(['queued']),
  ]);
  const locks = allLocks.filter((lock) => inForce(lock, now));
  const global = locks.filter(isGlobal);
  const windows = freezeWindowsOf(deps);
  const pairs = Object.entries(config.services).flatMap(([service, s]) =>
    s.environments.map((e) => ({ service, env: e.name })),
  );
  const envs: BoardEnvFacts[] = [];
  // A board of many services must not take the whole connection pool at once.
  for (let i = 0; i < pairs.length; i += ENVS_AT_ONCE) {
    envs.push(...(await Promise.all(pairs.slice(i, i + ENVS_AT_ONCE).map(readEnv))));
  }
  return {
    at: now,
    ...(maintenance ? { maintenance: { reason: maintenance.reason, by: maintenance.by.name } } : {}),
    envs,
  };

  async function readEnv({ service, env }: { service: string; env: string }): Promise<BoardEnvFacts> {
    const [live, [last]] = await Promise.all([
      repos.deploys.lastSucceeded(service, env),
      options.lastDeploys ? repos.deploys.history({ service, env, limit: 1 }) : Promise.resolve([]),
    ]);
    const here = (d: Deploy) => d.service === service && d.env === env;
    const inFlight = active.filter(here).sort(byRequestOrder)[0];
    const freeze = freezeStatus(windows, oneOffs, env, now);
    const own = locks.filter((l) => l.service === service && l.env === env);
    return {
      service,
      env,
      ...(live
        ? {
            live: {
              deployId: live.id,
              sha: live.sha,
              at: live.finishedAt ?? live.updatedAt,
              kind: live.kind,
              ...(live.version ? { version: live.version } : {}),
              ...(live.verification ? { verification: live.verification } : {}),
            },
          }
        : {}),
      ...(inFlight
        ? {
            inFlight: {
              deployId: inFlight.id,
              state: inFlight.state,
              ...(inFlight.version ? { version: inFlight.version } : {}),
            },
          }
        : {}),
      locks: [...global, ...own].map((lock) => ({
        kind: lock.kind,
        reason: lock.reason,
        by: lock.createdBy.name,
        ...(isGlobal(lock) ? { global: true } : {}),
      })),
      ...(freeze.frozen
        ? { freeze: { name: freeze.name, endsAt: freeze.endsAt, inBuffer: freeze.inBuffer } }
        : {}),
      queued: queued.filter(here).length,
      ...(last
        ? {
            lastDeploy: {
              deployId: last.id,
              state: last.state,
              at: last.finishedAt ?? last.updatedAt,
              by: last.requestedBy.name,
              ...(last.version ? { version: last.version } : {}),
            },
          }
        : {}),
    };
  }
}

/** Freezes (windows and one-offs) that touch the next 7 days, for any env. */
export async function freezesAhead(deps: AppDeps): Promise<{ from: Date; to: Date; rows: FreezeListing[] }> {
  const from = deps.clock.now();
  const to = new Date(from.getTime() + BOARD_FREEZE_SPAN_MS);
  const oneOffs = await deps.repos.freezes.overlapping(from, to);
  return { from, to, rows: listFreezes(freezeWindowsOf(deps), oneOffs, from, to) };
}
