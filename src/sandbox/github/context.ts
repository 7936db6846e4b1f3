import type { ApiReply } from './http.js';
import { errorReply } from './http.js';
import type { RepoRecord, RunRecord } from './model.js';
import type { RunEngine } from './runs.js';
import type { Urls } from './shapes.js';

/** What the route modules share: the records, the run engine and the server's switches. */
export interface ApiContext {
  readonly repos: ReadonlyMap<string, RepoRecord>;
  readonly urls: Urls;
  readonly engine: RunEngine;
  /** Ids for deployments, statuses and the like (runs have their own). */
  nextId(): number;
  /** When false, dispatch answers 204 even when run details are asked for (an older GitHub). */
  returnRunDetails(): boolean;
  onDispatch(run: RunRecord, inputs: Readonly<Record<string, unknown>>, repo: string, workflow: string): void;
}

/** Finds the repo in the path, or the 404 GitHub gives for a repo you cannot see. */
export function repoOf(ctx: ApiContext, params: Readonly<Record<string, string>>): RepoRecord | ApiReply {
  const repo = ctx.repos.get(`${params.owner ?? ''}/${params.repo ?? ''}`);
  return repo ?? errorReply(404, 'Not Found');
}

export function isReply(value: RepoRecord | ApiReply): value is ApiReply {
  return 'status' in value;
}
