import { freezeStatus, listFreezes, type FreezeListing } from '../../domain/freeze-windows.js';
import {
  ACTIVE_STATES,
  type Deploy,
  type DeployState,
  type LockKind,
  type Verification,
} from '../../domain/model.js';
import { freezeWindowsOf } from '../deploys/gates.js';
import type { AppDeps } from '../ports/deps.js';
import { maintenanceState } from '../settings.js';

/**
 * The status board's read model (§17): every service × env with what runs there, whether it is verified,
 * locked or frozen, what waits and what happened last. Plain data: the web page and the pinned Discord
 * board render it their own way.
 */
export interface BoardCell {
  readonly service: string;
  readonly env: string;
  /** What runs there: the newest deploy that went live. */
  readonly live?: {
    readonly deployId: string;
    readonly version?: string;
    readonly sha: string;
    readonly at: Date;
    readonly verification?: Verification;
  };
  readonly locks: readonly { readonly kind: LockKind; readonly reason: string }[];
  readonly frozen?: { readonly name: string; readonly endsAt: Date; readonly inBuffer: boolean };
  /** Requests waiting for a gate to clear. */
  readonly queued: number;
  /** The deploy holding the env now, if any. */
  readonly inFlight?: { readonly deployId: string; readonly state: DeployState };
  readonly lastDeploy?: {
    readonly deployId: string;
    readonly state: DeployState;
    readonly version?: string;
    readonly at: Date;
    readonly by: string;
  };
}

export interface StatusBoard {
  readonly at: Date;
  readonly maintenance?: { readonly reason: string; readonly by: string };
  readonly cells: readonly BoardCell[];
}

const BOARD_FREEZE_SPAN_MS = 7 * 86_400_000;
const CELLS_AT_ONCE = 8;

function liveOf(deploy: Deploy | undefined): BoardCell['live'] {
  if (!deploy) return undefined;
  return {
    deployId: deploy.id,
    sha: deploy.sha,
    at: deploy.finishedAt ?? deploy.updatedAt,
    ...(deploy.version ? { version: deploy.version } : {}),
    ...(deploy.verification ? { verification: deploy.verification } : {}),
  };
}

export async function readStatusBoard(deps: AppDeps): Promise<StatusBoard> {
  const { repos, config } = deps;
  const now = deps.clock.now();
  const [locks, oneOffs, maintenance] = await Promise.all([
    repos.locks.list(),
    repos.freezes.overlapping(now, new Date(now.getTime() + 1)),
    maintenanceState(repos.settings),
  ]);
  const windows = freezeWindowsOf(deps);
  const pairs = Object.entries(config.services).flatMap(([service, s]) =>
    s.environments.map((e) => ({ service, env: e.name })),
  );
  const cells: BoardCell[] = [];
  // A few cells at a time: a board of many services must not take the whole connection pool at once.
  for (let i = 0; i < pairs.length; i += CELLS_AT_ONCE) {
    cells.push(...(await Promise.all(pairs.slice(i, i + CELLS_AT_ONCE).map(readCell))));
  }
  return {
    at: now,
    ...(maintenance ? { maintenance: { reason: maintenance.reason, by: maintenance.by.name } } : {}),
    cells,
  };

  async function readCell({ service, env }: { service: string; env: string }): Promise<BoardCell> {
    const [live, queued, active, [last]] = await Promise.all([
      repos.deploys.lastSucceeded(service, env),
      repos.deploys.findByStates(['queued'], { service, env }),
      repos.deploys.findByStates(ACTIVE_STATES, { service, env }),
      repos.deploys.history({ service, env, limit: 1 }),
    ]);
    const status = freezeStatus(windows, oneOffs, env, now);
    const current = liveOf(live);
    const holder = active[0];
    return {
      service,
      env,
      ...(current ? { live: current } : {}),
      locks: locks
        .filter((l) => l.service === service && l.env === env)
        .map((l) => ({ kind: l.kind, reason: l.reason })),
      ...(status.frozen
        ? { frozen: { name: status.name, endsAt: status.endsAt, inBuffer: status.inBuffer } }
        : {}),
      queued: queued.length,
      ...(holder ? { inFlight: { deployId: holder.id, state: holder.state } } : {}),
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
