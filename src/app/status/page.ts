import type { FreezeListing } from '../../domain/freeze-windows.js';
import type { Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';
import { deployStats, type DeployStats } from '../stats.js';
import type { BoardSnapshot } from '../../domain/status-board.js';
import { boardSnapshot, freezesAhead } from './board.js';

export type RecentDeploy = Pick<
  Deploy,
  | 'id'
  | 'kind'
  | 'service'
  | 'env'
  | 'sha'
  | 'state'
  | 'version'
  | 'reason'
  | 'createdAt'
  | 'finishedAt'
  | 'verification'
  | 'runUrl'
  | 'githubDeploymentId'
> & { readonly requestedBy: string };

/** Everything the web status page shows (§17), as plain data. Nothing secret is in a deploy record. */
export interface StatusPageData {
  readonly board: BoardSnapshot;
  readonly recent: readonly RecentDeploy[];
  readonly freezes: { readonly from: Date; readonly to: Date; readonly rows: readonly FreezeListing[] };
  readonly stats: DeployStats;
}

const RECENT = 20;

function recentOf(d: Deploy): RecentDeploy {
  return {
    id: d.id,
    kind: d.kind,
    service: d.service,
    env: d.env,
    sha: d.sha,
    state: d.state,
    reason: d.reason,
    createdAt: d.createdAt,
    requestedBy: d.requestedBy.name,
    ...(d.version ? { version: d.version } : {}),
    ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    ...(d.verification ? { verification: d.verification } : {}),
    ...(d.runUrl ? { runUrl: d.runUrl } : {}),
    ...(d.githubDeploymentId ? { githubDeploymentId: d.githubDeploymentId } : {}),
  };
}

export async function readStatusPage(deps: AppDeps): Promise<StatusPageData> {
  const [board, recent, freezes, stats] = await Promise.all([
    boardSnapshot(deps, { lastDeploys: true }),
    deps.repos.deploys.history({ limit: RECENT }),
    freezesAhead(deps),
    deployStats(deps),
  ]);
  return { board, recent: recent.map(recentOf), freezes, stats };
}
