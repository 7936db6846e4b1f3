import { freezeStatus, type FreezeStatus } from '../domain/freeze-windows.js';
import { ACTIVE_STATES, type Deploy, type Lock } from '../domain/model.js';
import { freezeWindowsOf } from './deploys/gates.js';
import { byRequestOrder } from './deploys/line.js';
import { inForce, isGlobal } from './lock-state.js';
import type { AppDeps } from './ports/deps.js';
import { maintenanceState, type MaintenanceState } from './settings.js';

/** One service × env of `/status`: what would hold a deploy there right now. */
export interface StatusRow {
  readonly service: string;
  readonly env: string;
  /** The lock that holds it (the global one first), if any. */
  readonly lock?: Lock;
  readonly freeze: FreezeStatus;
  /** Requests waiting in its queue (queued, offered or awaiting approval). */
  readonly inLine: number;
  /** The deploy holding it (approved, dispatched or running). */
  readonly running?: Deploy;
}

export interface StatusBoard {
  readonly at: Date;
  readonly maintenance?: MaintenanceState;
  readonly rows: readonly StatusRow[];
}

/** Whether a new request to the row would be dispatched or asked for approval now (no waiting). */
export function isOpen(row: StatusRow): boolean {
  return !row.lock && !row.freeze.frozen && row.inLine === 0 && !row.running;
}

/**
 * `/status` (§16, anyone): "where can I deploy" — every configured service × env with its lock, freeze,
 * queue length and what runs there. Reads a handful of queries however many services there are.
 */
export async function statusBoard(deps: AppDeps): Promise<StatusBoard> {
  const now = deps.clock.now();
  const [maintenance, oneOffs, waiting, active, allLocks] = await Promise.all([
    maintenanceState(deps.repos.settings),
    deps.repos.freezes.overlapping(now, new Date(now.getTime() + 1)),
    deps.repos.deploys.findByStates(['requested', 'queued', 'awaiting_approval']),
    deps.repos.deploys.findByStates(ACTIVE_STATES),
    deps.repos.locks.list(),
  ]);
  const locks = allLocks.filter((lock) => inForce(lock, now));
  const global = locks.find(isGlobal);
  const windows = freezeWindowsOf(deps);
  const rows: StatusRow[] = [];
  for (const [service, config] of Object.entries(deps.config.services)) {
    for (const { name: env } of config.environments) {
      const here = (d: Deploy) => d.service === service && d.env === env;
      const lock = global ?? locks.find((l) => l.service === service && l.env === env);
      const running = active.filter(here).sort(byRequestOrder)[0];
      rows.push({
        service,
        env,
        ...(lock ? { lock } : {}),
        freeze: freezeStatus(windows, oneOffs, env, now),
        inLine: waiting.filter(here).length,
        ...(running ? { running } : {}),
      });
    }
  }
  return { at: now, ...(maintenance ? { maintenance } : {}), rows };
}
