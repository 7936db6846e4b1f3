import type { CiPolicy } from '../../domain/policy.js';

/**
 * What the app needs from GitHub, in the product's words. The Octokit adapter (adapters/github) implements it
 * against api.github.com; the sandbox and tests point the same adapter at the local GitHub API.
 * `repo` is always "owner/name" as in the service configuration; `workflow` a file name such as deploy.yml.
 */

export interface CommitInfo {
  readonly sha: string;
  /** The full commit message. */
  readonly message: string;
  /** The author's GitHub login when known, else the git author name. */
  readonly author: string;
  /** Author date. */
  readonly date: Date;
}

export interface CommitSummary {
  readonly sha: string;
  /** The first line of the message. */
  readonly title: string;
  readonly author: string;
  /** Author date, when GitHub gave one (the lead time for changes starts there). */
  readonly date?: Date;
}

export interface Comparison {
  /** Commits in head that base does not have, oldest first. */
  readonly commits: readonly CommitSummary[];
  readonly aheadBy: number;
  readonly behindBy: number;
  readonly status: 'ahead' | 'behind' | 'identical' | 'diverged';
}

export type CiState = 'success' | 'pending' | 'failure' | 'none';

export interface CiStatus {
  /** Combined over commit statuses and check runs: any failure fails, any unfinished is pending. */
  readonly state: CiState;
  /** For people: "4/4 checks passed", "1 failing: ci/test". */
  readonly summary: string;
}

export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';

export interface Run {
  readonly id: number;
  readonly status: RunStatus;
  /** success, failure, cancelled, timed_out, … once completed; null before. */
  readonly conclusion: string | null;
  readonly htmlUrl: string;
  readonly headSha: string;
  /** The run name (display title), e.g. "deploy D7K3F9QX". */
  readonly name: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly runAttempt: number;
}

export type RunRead =
  | { readonly notModified: true }
  | { readonly notModified: false; readonly run: Run; readonly etag: string | undefined };

export interface DispatchResult {
  /** Known when GitHub returned the run's details or the run was found by deploy_id after a lost answer. */
  readonly runId?: number;
  readonly runUrl?: string;
}

export type DeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface RateLimitInfo {
  readonly remaining: number;
  readonly limit: number;
  readonly resetAt: Date;
}

/** Whether the bot's GitHub credentials work, and what is wrong when they do not (§14). */
export interface CredentialStatus {
  readonly ok: boolean;
  /** For people, each with its fix: "the token lacks the repo scope: …". Never a secret. */
  readonly problems: readonly string[];
  /** When the token stops working, as GitHub announces it; absent for tokens without expiry and for Apps. */
  readonly expiresAt?: Date;
}

const WARN_WITHIN_MS = 7 * 86_400_000;

/** "the GitHub token expires on 2026-03-01" when it does within 7 days (§14); undefined otherwise. */
export function credentialExpiryWarning(status: CredentialStatus, now: Date): string | undefined {
  const at = status.expiresAt;
  if (!at || at.getTime() - now.getTime() > WARN_WITHIN_MS) return undefined;
  return at.getTime() <= now.getTime()
    ? `the GitHub token expired on ${at.toISOString().slice(0, 10)}`
    : `the GitHub token expires on ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC: renew GITHUB_TOKEN`;
}

/** A branch head read with the ETag of the previous read: an unchanged branch costs a 304 (§15 polling). */
export type BranchHeadRead =
  | { readonly notModified: true }
  | { readonly notModified: false; readonly sha: string | undefined; readonly etag: string | undefined };

export interface GitHubPort {
  /** The SHA `branch` points at (undefined when there is no such branch); `etag` of the previous read. */
  branchHead(repo: string, branch: string, etag?: string): Promise<BranchHeadRead>;
  /** A branch, tag or SHA (full or abbreviated) to its commit; undefined when it names nothing. */
  resolveRef(repo: string, ref: string): Promise<CommitInfo | undefined>;
  compare(repo: string, base: string, head: string): Promise<Comparison>;
  /** The SHA's CI verdict; `policy` (the env's requiredChecks / ignoredChecks, §16) refines which checks count. */
  ciStatus(repo: string, sha: string, policy?: CiPolicy): Promise<CiStatus>;
  /**
   * Triggers workflow_dispatch asking for the run's details. Never dispatches twice for one call: when an
   * attempt fails in a way that may have reached GitHub, it first looks for the run by `inputs.deploy_id`.
   */
  dispatch(
    repo: string,
    workflow: string,
    request: { ref: string; inputs: Readonly<Record<string, string>> },
  ): Promise<DispatchResult>;
  /** The newest workflow_dispatch run of `workflow` created since `since` whose name carries `deployId`. */
  findRunByDeployId(repo: string, workflow: string, deployId: string, since: Date): Promise<Run | undefined>;
  /** Reads a run; with the `etag` of the previous read, an unchanged run answers notModified (free of rate limit). */
  getRun(repo: string, runId: number, etag?: string): Promise<RunRead>;
  cancelRun(repo: string, runId: number): Promise<void>;
  rerunRun(repo: string, runId: number): Promise<void>;
  /** A GitHub Deployment for the SHA; returns its id. */
  createDeployment(
    repo: string,
    deployment: {
      sha: string;
      environment: string;
      description: string;
      payload?: Readonly<Record<string, unknown>>;
      production?: boolean;
    },
  ): Promise<number>;
  /** The Deployment created for `deployId` (its payload's deploy_id), if one exists. */
  findDeployment(
    repo: string,
    query: { sha: string; environment: string; deployId: string },
  ): Promise<number | undefined>;
  createDeploymentStatus(
    repo: string,
    deploymentId: number,
    status: { state: DeploymentState; logUrl?: string; environmentUrl?: string; description?: string },
  ): Promise<void>;
  /** Creates refs/tags/{tag} at sha; succeeds when the tag already points at sha, fails when elsewhere. */
  createTag(repo: string, tag: string, sha: string): Promise<void>;
  /** Every tag name starting with `prefix` (all pages). */
  listTags(repo: string, prefix: string): Promise<string[]>;
  rateLimit(): Promise<RateLimitInfo>;
  /**
   * Whether the credentials are valid and may dispatch, create deployments and tags; remembered for a few
   * minutes (and forgotten as soon as GitHub refuses them). Never throws: an unreachable GitHub is a problem.
   */
  credentialStatus(): Promise<CredentialStatus>;

  // The deployment protection rule (§16; needs a GitHub App).
  /**
   * Approves or rejects run `runId` that GitHub holds at `environment`'s protection rule, with a comment for
   * people. GitHub answers 422 when the run no longer waits for this environment.
   */
  answerProtectionRule(repo: string, runId: number, answer: ProtectionAnswer): Promise<void>;

  // Visibility (§17): Releases, the pull requests of a commit, and the bot's comments on them.
  /** The Release of `tag`, if there is one. */
  findRelease(repo: string, tag: string): Promise<ReleaseInfo | undefined>;
  /** Creates the Release of an existing tag; when it exists already (a retry), answers that one. */
  createRelease(repo: string, release: { tag: string; name: string; body: string }): Promise<ReleaseInfo>;
  /** The pull requests that brought `sha` (merged ones first, as GitHub lists them). */
  pullsOfCommit(repo: string, sha: string): Promise<PullRequestInfo[]>;
  /** Every comment on issue or pull request `number` (all pages). */
  listIssueComments(repo: string, number: number): Promise<IssueCommentInfo[]>;
  createIssueComment(repo: string, number: number, body: string): Promise<number>;
  updateIssueComment(repo: string, commentId: number, body: string): Promise<void>;
}

export interface ReleaseInfo {
  readonly id: number;
  readonly tag: string;
  /** The Release page. */
  readonly url: string;
}

export interface PullRequestInfo {
  readonly number: number;
  readonly title: string;
  readonly author: string;
  readonly merged: boolean;
}

export interface IssueCommentInfo {
  readonly id: number;
  readonly body: string;
  readonly author: string;
}

export interface ProtectionAnswer {
  readonly environment: string;
  readonly state: 'approved' | 'rejected';
  readonly comment: string;
}

export type GitHubErrorKind =
  | 'not_found'
  | 'bad_credentials'
  | 'forbidden'
  | 'rate_limited'
  | 'conflict'
  | 'invalid_request'
  | 'unavailable'
  | 'invalid_response';

/** A GitHub failure with a short message for people (never a token, header or full URL with credentials). */
export class GitHubError extends Error {
  constructor(
    readonly kind: GitHubErrorKind,
    message: string,
    /** The HTTP status, when GitHub answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GitHubError';
  }
}

export function isGitHubError(error: unknown): error is GitHubError {
  return error instanceof GitHubError;
}
