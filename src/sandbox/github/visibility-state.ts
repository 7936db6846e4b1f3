import type { CommitRecord, RepoRecord } from './model.js';

/** The local GitHub API's Releases, pull requests and issue comments, kept beside each repository. */

export interface ReleaseRecord {
  readonly id: number;
  readonly tag: string;
  readonly name: string;
  readonly body: string;
  readonly targetCommitish: string;
  readonly createdAt: string;
  readonly author: string;
}

export interface PullRecord {
  readonly number: number;
  readonly title: string;
  readonly author: string;
  /** The commit it merged as (squash merge: one commit per pull request). */
  readonly mergeSha: string;
  readonly createdAt: string;
}

export interface CommentRecord {
  readonly id: number;
  readonly issue: number;
  body: string;
  readonly author: string;
  readonly createdAt: string;
  updatedAt: string;
}

export interface VisibilityRecord {
  readonly releases: ReleaseRecord[];
  /** By merge commit SHA. */
  readonly pulls: Map<string, PullRecord>;
  readonly comments: CommentRecord[];
  /** Commits pushed straight to the branch: no pull request. */
  readonly direct: Set<string>;
}

const records = new WeakMap<RepoRecord, VisibilityRecord>();

export function visibilityOf(repo: RepoRecord): VisibilityRecord {
  let record = records.get(repo);
  if (!record) {
    record = { releases: [], pulls: new Map(), comments: [], direct: new Set() };
    records.set(repo, record);
  }
  return record;
}

/**
 * The pull request that merged `commit`. Every commit but the root came through one (squash merges), numbered
 * by the commit's place in the repository, so the seeded history and commits added later all have one.
 */
export function pullOf(repo: RepoRecord, commit: CommitRecord): PullRecord | undefined {
  const state = visibilityOf(repo);
  if (commit.parents.length === 0 || state.direct.has(commit.sha)) return undefined;
  const known = state.pulls.get(commit.sha);
  if (known) return known;
  const index = [...repo.commits.keys()].indexOf(commit.sha);
  const pull: PullRecord = {
    number: index + 1,
    title: commit.message.split('\n')[0] ?? '',
    author: commit.author.login,
    mergeSha: commit.sha,
    createdAt: commit.author.date,
  };
  state.pulls.set(commit.sha, pull);
  return pull;
}

export function pullByNumber(repo: RepoRecord, number: number): PullRecord | undefined {
  for (const commit of repo.commits.values()) {
    const pull = pullOf(repo, commit);
    if (pull?.number === number) return pull;
  }
  return undefined;
}
