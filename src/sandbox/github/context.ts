import type { ApiReply } from './http.js';
import { errorReply } from './http.js';
import type { RepoRecord, RunRecord } from './model.js';
import type { RunEngine } from './runs.js';
import type { Urls } from './shapes.js';

/** What the route modules share: the records, the run engine and the server's switches. */
export interface ApiContext {
  readonly repos: ReadonlyMap<string, RepoRecord>;
  /** Repositories the credential cannot see: GitHub answers 404 for them, as for a repo that does not exist. */
  readonly hidden: ReadonlySet<string>;
  readonly urls: Urls;
  readonly engine: RunEngine;
  /** Ids for deployments, statuses and the like (runs have their own). */
  nextId(): number;
  /** When false, dispatch answers 204 even when run details are asked for (an older GitHub). */
  returnRunDetails(): boolean;
  /** Whether run lists show this run yet (a late run is missing from them for a while). */
  listed(run: RunRecord): boolean;
  onDispatch(run: RunRecord, inputs: Readonly<Record<string, unknown>>, repo: string, workflow: string): void;
}

/** Finds the repo in the path, or the 404 GitHub gives for a repo you cannot see. */
export function repoOf(ctx: ApiContext, params: Readonly<Record<string, string>>): RepoRecord | ApiReply {
  const name = `${params.owner ?? ''}/${params.repo ?? ''}`;
  const repo = ctx.hidden.has(name) ? undefined : ctx.repos.get(name);
  return repo ?? errorReply(404, 'Not Found');
}

export function isReply(value: RepoRecord | ApiReply): value is ApiReply {
  return 'status' in value;
}
