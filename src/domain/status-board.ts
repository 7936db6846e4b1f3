import type { DeployState, LockKind, Verification } from './model.js';

/**
 * The status board (§17): one row per service × env with what runs there and what holds it back. Pure: the
 * app gathers one snapshot from the records (src/app/status/board.ts); `boardRows` turns it into the pinned
 * Discord board's rows, and the web status page renders the same snapshot.
 */

/** What is known of one service × env at one moment. */
export interface BoardEnvFacts {
  readonly service: string;
  readonly env: string;
  /** The newest successful deploy there. */
  readonly live?: {
    readonly deployId: string;
    readonly version?: string;
    readonly sha: string;
    readonly at: Date;
    readonly verification?: Verification;
    readonly kind: 'deploy' | 'rollback';
  };
  /** A deploy approved, dispatched or running there now. */
  readonly inFlight?: { readonly deployId: string; readonly state: DeployState; readonly version?: string };
  /** The locks in force there: the global one (`/lock all`) first, then its own. */
  readonly locks: readonly {
    readonly kind: LockKind;
    readonly reason: string;
    readonly by: string;
    readonly global?: boolean;
  }[];
  /** The freeze in force there (or in its buffer). */
  readonly freeze?: { readonly name: string; readonly endsAt: Date; readonly inBuffer: boolean };
  /** Requests waiting their turn. */
  readonly queued: number;
  /** The newest deploy there, whatever became of it. */
  readonly lastDeploy?: {
    readonly deployId: string;
    readonly state: DeployState;
    readonly version?: string;
    readonly at: Date;
    readonly by: string;
  };
}

export interface BoardSnapshot {
  readonly at: Date;
  readonly maintenance?: { readonly reason: string; readonly by: string };
  /** In the configuration's order: services, then each service's environments. */
  readonly envs: readonly BoardEnvFacts[];
}

export type BoardVerification = Verification | 'none';
/** ok: deployable; busy: a deploy in flight; blocked: a lock, freeze or maintenance holds it; faulty. */
export type BoardHealth = 'ok' | 'busy' | 'blocked' | 'faulty' | 'empty';

export interface BoardRow {
  readonly service: string;
  readonly env: string;
  /** "v2026.12.01", or undefined when nothing was deployed there yet. */
  readonly version?: string;
  readonly shortSha?: string;
  readonly verification: BoardVerification;
  readonly lastDeployAt?: Date;
  readonly rolledBack: boolean;
  /** What holds deploys back, for people: "locked (faulty): …", "frozen: Elite Wars", "maintenance". */
  readonly holds: readonly string[];
  readonly queued: number;
  /** "running v2026.12.01", when a deploy is in flight. */
  readonly inFlight?: string;
  readonly health: BoardHealth;
}

function healthOf(
  facts: BoardEnvFacts,
  holds: readonly string[],
  verification: BoardVerification,
): BoardHealth {
  if (verification === 'faulty') return 'faulty';
  if (holds.length > 0) return 'blocked';
  if (facts.inFlight) return 'busy';
  return facts.live ? 'ok' : 'empty';
}

/** The board's rows, in the snapshot's order. */
export function boardRows(snapshot: BoardSnapshot): BoardRow[] {
  return snapshot.envs.map((facts) => {
    const holds = [
      ...(snapshot.maintenance ? ['maintenance'] : []),
      ...facts.locks.map((lock) => `locked (${lock.global ? 'all' : lock.kind}): ${lock.reason}`),
      ...(facts.freeze ? [`${facts.freeze.inBuffer ? 'freeze soon' : 'frozen'}: ${facts.freeze.name}`] : []),
    ];
    const verification: BoardVerification = facts.live?.verification ?? 'none';
    const live = facts.live;
    return {
      service: facts.service,
      env: facts.env,
      ...(live?.version ? { version: live.version } : {}),
      ...(live ? { shortSha: live.sha.slice(0, 7), lastDeployAt: live.at } : {}),
      verification,
      rolledBack: live?.kind === 'rollback',
      holds,
      queued: facts.queued,
      ...(facts.inFlight
        ? { inFlight: `${facts.inFlight.state} ${facts.inFlight.version ?? facts.inFlight.deployId}` }
        : {}),
      health: healthOf(facts, holds, verification),
    };
  });
}
