import type { ReleasePull } from '../../domain/release-notes.js';
import type { CommitSummary } from '../ports/github.js';
import type { AppDeps } from '../ports/deps.js';

/** At most this many commits of a range are asked for their pull requests (one GitHub call each). */
export const MAX_COMMITS_LOOKED_UP = 100;

/** What a range of commits shipped: its commits, the merged pull requests that brought them. */
export interface Shipped {
  readonly commits: readonly CommitSummary[];
  readonly pullsBySha: ReadonlyMap<string, readonly ReleasePull[]>;
  /** Each pull request once, in the order of the commits. */
  readonly pulls: readonly ReleasePull[];
  /** Commits whose pull requests were not looked up (the range was longer than MAX_COMMITS_LOOKED_UP). */
  readonly notLookedUp: number;
}

/**
 * The commits in `base...head` (only `head` when there is no base: a first deploy) and their merged pull
 * requests. The newest commits are looked up first when the range is long.
 */
export async function shippedBetween(
  deps: AppDeps,
  repo: string,
  base: string | undefined,
  head: string,
): Promise<Shipped> {
  const commits: readonly CommitSummary[] =
    base && base !== head
      ? (await deps.github.compare(repo, base, head)).commits
      : base === head
        ? []
        : await headOnly(deps, repo, head);
  const lookedUp = commits.slice(-MAX_COMMITS_LOOKED_UP);
  const pullsBySha = new Map<string, ReleasePull[]>();
  const pulls = new Map<number, ReleasePull>();
  for (const commit of lookedUp) {
    const merged = (await deps.github.pullsOfCommit(repo, commit.sha)).filter((pull) => pull.merged);
    const found = merged.map(({ number, title, author }) => ({ number, title, author }));
    pullsBySha.set(commit.sha, found);
    for (const pull of found) if (!pulls.has(pull.number)) pulls.set(pull.number, pull);
  }
  return {
    commits,
    pullsBySha,
    pulls: [...pulls.values()],
    notLookedUp: commits.length - lookedUp.length,
  };
}

async function headOnly(deps: AppDeps, repo: string, head: string): Promise<CommitSummary[]> {
  const commit = await deps.github.resolveRef(repo, head);
  if (!commit) return [];
  return [{ sha: commit.sha, title: commit.message.split('\n')[0] ?? '', author: commit.author }];
}
