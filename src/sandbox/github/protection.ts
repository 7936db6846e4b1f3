import type { IncomingHttpHeaders } from 'node:http';
import { isReply, repoOf, type ApiContext } from './context.js';
import { errorReply, field, stringField, type Router } from './http.js';
import type { DeploymentRecord, RepoRecord, RunRecord } from './model.js';
import { isoSeconds } from './runs.js';
import { deploymentJson, minimalRepository, simpleUser, type Urls } from './shapes.js';

/**
 * GitHub's custom deployment protection rules, locally (SPEC §16): a job that targets a protected environment
 * holds its run (`waiting`), GitHub creates the environment's Deployment and sends the App a
 * `deployment_protection_rule` event; the App answers `POST …/runs/{run_id}/deployment_protection_rule`
 * and the run goes on (approved) or fails (rejected). Only an App installation may answer.
 */

/** The jobs of the shipped deploy workflow target `environment: ${{ inputs.environment }}`. */
const JOB_ENVIRONMENT = /^\s+environment:\s*\$\{\{\s*inputs\.environment\s*\}\}\s*$/m;

/** An answer the App gave, as tests and the console see it. */
export interface ProtectionAnswerRecord {
  readonly repo: string;
  readonly runId: number;
  readonly environment: string;
  readonly state: 'approved' | 'rejected';
  readonly comment: string;
}

export type CallerKind = 'installation' | 'token' | 'open';

export class ProtectionRules {
  readonly answers: ProtectionAnswerRecord[] = [];

  constructor(private readonly environments: ReadonlySet<string>) {}

  /** The protected environment the run's job targets, if any. */
  environmentOf(run: RunRecord): string | undefined {
    const env = run.inputs.environment;
    if (typeof env !== 'string' || !this.environments.has(env)) return undefined;
    return JOB_ENVIRONMENT.test(run.workflow.source) ? env : undefined;
  }

  isProtected(env: string): boolean {
    return this.environments.has(env);
  }
}

/** The Deployment GitHub creates for a job held at its environment. */
export function heldDeployment(id: number, run: RunRecord, environment: string): DeploymentRecord {
  const now = isoSeconds(Date.now());
  return {
    id,
    sha: run.headSha,
    ref: run.headBranch,
    task: 'deploy',
    environment,
    originalEnvironment: environment,
    description: null,
    payload: {},
    productionEnvironment: false,
    transientEnvironment: false,
    createdAt: now,
    updatedAt: now,
    statuses: [],
  };
}

/** A repository as webhooks carry it: the minimal shape plus the counts and links GitHub always sends. */
function webhookRepository(urls: Urls, repo: RepoRecord): Record<string, unknown> {
  const host = new URL(urls.html).host;
  return {
    ...minimalRepository(urls, repo),
    clone_url: `${urls.html}/${repo.fullName}.git`,
    git_url: `git://${host}/${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    svn_url: `${urls.html}/${repo.fullName}`,
    mirror_url: null,
    homepage: null,
    language: 'TypeScript',
    default_branch: 'main',
    has_downloads: true,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    archived: false,
    disabled: false,
    license: null,
    forks: 0,
    forks_count: 0,
    open_issues: 0,
    open_issues_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 120,
    created_at: '2025-01-06T09:30:00Z',
    updated_at: '2025-01-06T09:30:00Z',
    pushed_at: '2025-01-11T09:30:00Z',
  };
}

/** The `deployment_protection_rule` event's payload, as GitHub sends it to the App. */
export function protectionRulePayload(
  urls: Urls,
  repo: RepoRecord,
  run: RunRecord,
  deployment: DeploymentRecord,
  installationId: number | undefined,
): { action: string } & Record<string, unknown> {
  return {
    action: 'requested',
    environment: deployment.environment,
    event: run.event,
    deployment_callback_url: `${urls.api}/repos/${repo.fullName}/actions/runs/${run.id}/deployment_protection_rule`,
    deployment: deploymentJson(urls, repo, deployment),
    pull_requests: [],
    repository: webhookRepository(urls, repo),
    ...(installationId === undefined
      ? {}
      : { installation: { id: installationId, node_id: `MDIz${installationId}` } }),
    sender: run.actor ? simpleUser(urls, run.actor, 'User') : simpleUser(urls, 'release-console[bot]', 'Bot'),
  };
}

export function protectionRoutes(
  router: Router,
  ctx: ApiContext,
  rules: ProtectionRules,
  callerKind: (headers: IncomingHttpHeaders) => CallerKind,
): void {
  router.add(
    'POST',
    '/repos/{owner}/{repo}/actions/runs/{id}/deployment_protection_rule',
    ({ params, body, headers }) => {
      // GitHub: only a GitHub App may review a custom deployment protection rule.
      if (callerKind(headers) === 'token') {
        return errorReply(403, 'Resource not accessible by personal access token');
      }
      const repo = repoOf(ctx, params);
      if (isReply(repo)) return repo;
      const run = repo.runs.find((r) => String(r.id) === params.id);
      if (!run) return errorReply(404, 'Not Found');
      const environment = stringField(body, 'environment_name');
      const state = field(body, 'state');
      const comment = field(body, 'comment');
      if (!environment) return errorReply(422, 'Invalid request.\n\n"environment_name" wasn\'t supplied.');
      // A comment alone is a review without a decision: the run goes on waiting.
      if (state === undefined && typeof comment === 'string') return { status: 204 };
      if (state !== 'approved' && state !== 'rejected') {
        return errorReply(422, 'Invalid request.\n\n"state" must be one of: approved, rejected.');
      }
      if (comment !== undefined && typeof comment !== 'string') {
        return errorReply(422, "Invalid request.\n\nFor 'properties/comment', is not a string.");
      }
      if (run.status !== 'waiting' || run.waitingAt === undefined) {
        return errorReply(422, 'No pending deployment protection rule for this workflow run.');
      }
      if (run.waitingAt !== environment) {
        return errorReply(422, `No pending deployment protection rule for environment ${environment}.`);
      }
      rules.answers.push({ repo: repo.fullName, runId: run.id, environment, state, comment: comment ?? '' });
      ctx.engine.answer(run, state);
      return { status: 204 };
    },
  );
}
