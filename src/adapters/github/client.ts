import {
  type BranchHeadRead,
  type CiStatus,
  type CommitInfo,
  type Comparison,
  type CredentialStatus,
  type DispatchResult,
  GitHubError,
  type GitHubPort,
  type ProtectionAnswer,
  type RateLimitInfo,
  type Run,
  type RunRead,
} from '../../app/ports/github.js';
import { refProblem } from '../../domain/refs.js';
import type { CiPolicy } from '../../domain/policy.js';
import type { Logger } from '../../logger.js';
import { summariseCi } from './ci.js';
import { callGitHub, toGitHubError } from './errors.js';
import {
  createDeployment,
  createDeploymentStatus,
  createTag,
  findDeployment,
  listTags,
  type TagCache,
} from './releases.js';
import { CredentialCheck } from './credentials.js';
import { answerProtectionRule } from './protection.js';
import { createOctokit, type AppAuth, type GitHubOctokit } from './octokit.js';
import { createdSince, namesDeploy, toRun } from './runs.js';
import {
  checkRunsSchema,
  combinedStatusSchema,
  commitSchema,
  comparisonSchema,
  dispatchDetailsSchema,
  parseAnswer,
  rateLimitSchema,
  runListSchema,
  runSchema,
  type CommitJson,
} from './schemas.js';
import { dispatchOnce } from './dispatch.js';
import * as visibility from './visibility.js';

export interface GitHubClientOptions {
  /** API root; https://api.github.com unless given (the local GitHub API in the sandbox and tests). */
  readonly baseUrl?: string;
  readonly token?: string;
  /** A GitHub App installation (recommended): installation tokens are minted and renewed by the client. */
  readonly app?: AppAuth;
  readonly log: Logger;
  readonly userAgent: string;
  /** Timing knobs, for tests; production leaves them at GitHub's recommended values. */
  readonly timing?: {
    readonly retryAfterUnitMs?: number;
    readonly backoffUnitMs?: number;
    readonly writeSpacingMs?: number;
    /** How often and how far apart to look for a dispatched run by deploy_id before giving up (5 × 2000 ms). */
    readonly lookupAttempts?: number;
    readonly lookupDelayMs?: number;
    /** How long one request may go unanswered (15 s). */
    readonly requestTimeoutMs?: number;
  };
}

const splitRepo = (repo: string): { owner: string; repo: string } => {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
};

/**
 * A ref as one URL path segment for a `{+ref}` template: percent-encoded, "/" included. A URL parser resolves
 * "." and ".." (even as %2E) against the path, so a ref git would refuse is never put in a path at all.
 */
export function refSegment(ref: string): string {
  const problem = refProblem(ref);
  if (problem) throw new GitHubError('invalid_request', `The ref ${problem}`);
  return encodeURIComponent(ref);
}

const authorOf = (json: CommitJson): string => json.author?.login ?? json.commit.author?.name ?? 'unknown';

/**
 * Creates the Octokit-backed GitHub port (a GitHub App or a token; retries rate limits and 5xx; never
 * dispatches twice). The App wins when both are given.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubPort {
  const timing = options.timing ?? {};
  const octokit = createOctokit({
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.app ? { app: options.app } : options.token ? { token: options.token } : {}),
    userAgent: options.userAgent,
    log: options.log,
    retryAfterUnitMs: timing.retryAfterUnitMs ?? 1000,
    backoffUnitMs: timing.backoffUnitMs ?? 1000,
    writeSpacingMs: timing.writeSpacingMs ?? 1000,
    ...(timing.requestTimeoutMs ? { requestTimeoutMs: timing.requestTimeoutMs } : {}),
  });
  const kind = options.app ? 'app' : options.token ? 'token' : 'none';
  const credentials = new CredentialCheck(octokit, kind, options.app?.installationId);
  return new OctokitGitHub(octokit, options.log, credentials, {
    backoffUnitMs: timing.backoffUnitMs ?? 1000,
    lookupAttempts: timing.lookupAttempts ?? 5,
    lookupDelayMs: timing.lookupDelayMs ?? 2000,
  });
}

class OctokitGitHub implements GitHubPort {
  private readonly tagCache: TagCache = new Map();

  constructor(
    private readonly octokit: GitHubOctokit,
    private readonly log: Logger,
    private readonly credentials: CredentialCheck,
    private readonly timing: { backoffUnitMs: number; lookupAttempts: number; lookupDelayMs: number },
  ) {}

  async branchHead(repo: string, branch: string, etag?: string): Promise<BranchHeadRead> {
    const what = `read the head of ${branch} in ${repo}`;
    try {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/git/ref/{+ref}', {
        ...splitRepo(repo),
        ref: `heads/${refSegment(branch)}`,
        ...(etag ? { headers: { 'if-none-match': etag } } : {}),
      });
      const data = response.data as { object?: { sha?: unknown } };
      const sha = typeof data.object?.sha === 'string' ? data.object.sha : undefined;
      if (!sha) throw new GitHubError('invalid_response', `${what}: GitHub answered without a SHA`);
      return { notModified: false, sha, etag: response.headers.etag };
    } catch (error) {
      if ((error as { status?: unknown }).status === 304) return { notModified: true };
      const failure = toGitHubError(error, what);
      if (failure.kind === 'not_found') return { notModified: false, sha: undefined, etag: undefined };
      throw failure;
    }
  }

  async resolveRef(repo: string, ref: string): Promise<CommitInfo | undefined> {
    const what = `resolve ${ref} in ${repo}`;
    try {
      const { data } = (await this.octokit.request('GET /repos/{owner}/{repo}/commits/{+ref}', {
        ...splitRepo(repo),
        ref: refSegment(ref),
      })) as { data: unknown };
      const json = parseAnswer(commitSchema, data, what);
      const date = json.commit.author?.date ?? json.commit.committer?.date;
      return {
        sha: json.sha,
        message: json.commit.message,
        author: authorOf(json),
        date: new Date(date ?? 0),
      };
    } catch (error) {
      const failure = toGitHubError(error, what);
      // 422 "No commit found for SHA", 404 for a name that is not a ref: the ref names nothing.
      if (failure.kind === 'not_found' || failure.kind === 'invalid_request') return undefined;
      throw failure;
    }
  }

  async compare(repo: string, base: string, head: string): Promise<Comparison> {
    const what = `compare ${base}...${head} in ${repo}`;
    const data = await callGitHub(what, () =>
      this.octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
        ...splitRepo(repo),
        basehead: `${base}...${head}`,
      }),
    );
    const json = parseAnswer(comparisonSchema, data, what);
    return {
      commits: json.commits.map((c) => ({
        sha: c.sha,
        title: c.commit.message.split('\n')[0] ?? '',
        author: authorOf(c),
        ...(c.commit.author?.date ? { date: new Date(c.commit.author.date) } : {}),
      })),
      aheadBy: json.ahead_by,
      behindBy: json.behind_by,
      status: json.status,
    };
  }

  async ciStatus(repo: string, sha: string, policy?: CiPolicy): Promise<CiStatus> {
    const what = `read the CI status of ${sha.slice(0, 7)} in ${repo}`;
    const [status, checks] = await Promise.all([
      callGitHub(what, () =>
        this.octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/status', {
          ...splitRepo(repo),
          ref: sha,
        }),
      ),
      callGitHub(what, () =>
        this.octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
          ...splitRepo(repo),
          ref: sha,
          per_page: 100,
        }),
      ),
    ]);
    return summariseCi(
      parseAnswer(combinedStatusSchema, status, what),
      parseAnswer(checkRunsSchema, checks, what),
      policy,
    );
  }

  dispatch(
    repo: string,
    workflow: string,
    request: { ref: string; inputs: Readonly<Record<string, string>> },
  ): Promise<DispatchResult> {
    return dispatchOnce(
      {
        log: this.log,
        timing: this.timing,
        post: async () => {
          const response = await this.octokit.request(
            'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
            {
              ...splitRepo(repo),
              workflow_id: workflow,
              ref: request.ref,
              inputs: { ...request.inputs },
              return_run_details: true,
              // Never retried blindly: dispatchOnce decides, after looking for the run.
              request: { retries: 0 },
            },
          );
          // Typed as 200 only, but GitHub answers 204 when it does not return run details.
          const status: number = response.status;
          if (status !== 200) return undefined;
          const details = parseAnswer(
            dispatchDetailsSchema,
            response.data,
            `dispatch ${workflow} on ${repo}`,
          );
          return { runId: details.workflow_run_id, runUrl: details.html_url };
        },
        find: (deployId, since) => this.findRunByDeployId(repo, workflow, deployId, since),
      },
      { repo, workflow, deployId: request.inputs.deploy_id },
    );
  }

  async findRunByDeployId(
    repo: string,
    workflow: string,
    deployId: string,
    since: Date,
  ): Promise<Run | undefined> {
    const what = `list runs of ${workflow} in ${repo}`;
    for (let page = 1; page <= 3; page++) {
      const data = await callGitHub(what, () =>
        this.octokit.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', {
          ...splitRepo(repo),
          workflow_id: workflow,
          event: 'workflow_dispatch',
          created: createdSince(since),
          per_page: 100,
          page,
        }),
      );
      const { workflow_runs: runs } = parseAnswer(runListSchema, data, what);
      const found = runs.find((run) => namesDeploy(run.display_title ?? run.name ?? '', deployId));
      if (found) return toRun(found);
      if (runs.length < 100) return undefined;
    }
    return undefined;
  }

  async getRun(repo: string, runId: number, etag?: string): Promise<RunRead> {
    const what = `read run ${runId} in ${repo}`;
    try {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
        ...splitRepo(repo),
        run_id: runId,
        ...(etag ? { headers: { 'if-none-match': etag } } : {}),
      });
      return {
        notModified: false,
        run: toRun(parseAnswer(runSchema, response.data, what)),
        etag: response.headers.etag,
      };
    } catch (error) {
      if ((error as { status?: unknown }).status === 304) return { notModified: true };
      throw toGitHubError(error, what);
    }
  }

  async cancelRun(repo: string, runId: number): Promise<void> {
    await callGitHub(`cancel run ${runId} in ${repo}`, () =>
      this.octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel', {
        ...splitRepo(repo),
        run_id: runId,
      }),
    );
  }

  async rerunRun(repo: string, runId: number): Promise<void> {
    await callGitHub(`re-run run ${runId} in ${repo}`, () =>
      this.octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun', {
        ...splitRepo(repo),
        run_id: runId,
      }),
    );
  }

  createDeployment(repo: string, deployment: Parameters<GitHubPort['createDeployment']>[1]): Promise<number> {
    return createDeployment(this.octokit, repo, deployment);
  }

  findDeployment(
    repo: string,
    query: Parameters<GitHubPort['findDeployment']>[1],
  ): Promise<number | undefined> {
    return findDeployment(this.octokit, repo, query);
  }

  createDeploymentStatus(
    repo: string,
    id: number,
    status: Parameters<GitHubPort['createDeploymentStatus']>[2],
  ): Promise<void> {
    return createDeploymentStatus(this.octokit, repo, id, status);
  }

  createTag(repo: string, tag: string, sha: string): Promise<void> {
    return createTag(this.octokit, repo, tag, sha);
  }

  listTags(repo: string, prefix: string): Promise<string[]> {
    return listTags(this.octokit, repo, prefix, this.tagCache);
  }

  async rateLimit(): Promise<RateLimitInfo> {
    const what = 'read the rate limit';
    const data = await callGitHub(what, () => this.octokit.request('GET /rate_limit'));
    const { core } = parseAnswer(rateLimitSchema, data, what).resources;
    return { remaining: core.remaining, limit: core.limit, resetAt: new Date(core.reset * 1000) };
  }

  credentialStatus(): Promise<CredentialStatus> {
    return this.credentials.status();
  }

  // Visibility (§17): adapters/github/visibility.ts.
  findRelease(repo: string, tag: string): ReturnType<GitHubPort['findRelease']> {
    return visibility.findRelease(this.octokit, repo, tag);
  }

  createRelease(repo: string, release: Parameters<GitHubPort['createRelease']>[1]) {
    return visibility.createRelease(this.octokit, repo, release);
  }

  pullsOfCommit(repo: string, sha: string): ReturnType<GitHubPort['pullsOfCommit']> {
    return visibility.pullsOfCommit(this.octokit, repo, sha);
  }

  listIssueComments(repo: string, number: number): ReturnType<GitHubPort['listIssueComments']> {
    return visibility.listIssueComments(this.octokit, repo, number);
  }

  createIssueComment(repo: string, number: number, body: string): Promise<number> {
    return visibility.createIssueComment(this.octokit, repo, number, body);
  }

  updateIssueComment(repo: string, commentId: number, body: string): Promise<void> {
    return visibility.updateIssueComment(this.octokit, repo, commentId, body);
  }

  answerProtectionRule(repo: string, runId: number, answer: ProtectionAnswer): Promise<void> {
    return answerProtectionRule(this.octokit, repo, runId, answer);
  }
}
