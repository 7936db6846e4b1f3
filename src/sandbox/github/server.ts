import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isCaller, LocalGitHubAuth, type AppCredential } from './auth.js';
import type { ApiContext } from './context.js';
import { errorReply, json, Router, type ApiReply } from './http.js';
import type { CiState, RepoRecord, RunRecord } from './model.js';
import { RateLimit, type RateLimitKind } from './rate-limit.js';
import { readBody, writeReply } from './respond.js';
import { actionsRoutes } from './routes-actions.js';
import { deploymentRoutes } from './routes-deployments.js';
import { gitRoutes } from './routes-git.js';
import { RunEngine, type RunAction, type RunTiming } from './runs.js';
import { repoRoutes } from './routes-repos.js';
import { visibilityRoutes } from './routes-visibility.js';
import { pullOf, visibilityOf } from './visibility-state.js';
import { createRepo, makeCommit, resolveCommit, workflowNameOf, type WorkflowSeed } from './seed.js';
import { exampleWorkflowSource } from './workflow-file.js';
import { parseWorkflowFile, runNameOf } from '../../adapters/github/workflow-file.js';
import { minimalRepository, runJson, simpleUser, workflowJson, type Urls } from './shapes.js';
import { WebhookSender, type WebhookTarget } from './webhook.js';
import { PushSimulator, type PushOptions } from './push.js';
import {
  heldDeployment,
  protectionRoutes,
  protectionRulePayload,
  ProtectionRules,
  type ProtectionAnswerRecord,
} from './protection.js';
import {
  toLocalRun,
  type Injected,
  type LocalGitHubEvents,
  type LocalRun,
  type RecordedRequest,
  type RequestMatcher,
} from './views.js';

/** An injected "status" that resets the connection (ECONNRESET for the client). */
const RESET = 0;
/** An injected "status" that never answers: the request hangs until the client gives up on it. */
const HANG = -1;

export type { LocalGitHubEvents, LocalRun, RecordedRequest, RequestMatcher } from './views.js';

export interface LocalGitHubOptions {
  /** Repositories to seed, "owner/name". */
  readonly repos?: readonly string[];
  /**
   * Workflow files every repository has (default deploy.yml and smoke.yml). A bare file name carries the
   * shipped example of that kind (examples/workflows/smoke.yml for a smoke workflow, deploy.yml otherwise).
   */
  readonly workflows?: readonly (string | WorkflowSeed)[];
  readonly port?: number;
  readonly timing?: Partial<RunTiming>;
  /** When set, every request must carry this token (`token X` or `Bearer X`), else 401. */
  readonly token?: string;
  /** The token's expiry, sent as `github-authentication-token-expiration`; past it the token gets 401. */
  readonly tokenExpiresAt?: Date;
  /** The token's classic scopes, sent as `x-oauth-scopes` (default repo, workflow). */
  readonly tokenScopes?: readonly string[];
  /** A GitHub App: JWTs verified with its public key mint installation tokens that expire. */
  readonly app?: AppCredential;
  readonly webhook?: WebhookTarget;
  /** False: dispatch answers 204 even when run details are asked for (GitHub before 2025). */
  readonly dispatchDetails?: boolean;
  /** Base of web links in answers (default https://github.com). */
  readonly htmlUrl?: string;
  /**
   * Environments by name, as a repository's settings hold them (§16): with `protectionRule`, a job that
   * targets it waits for the App's answer to a `deployment_protection_rule` event.
   */
  readonly environments?: Readonly<Record<string, { readonly protectionRule?: boolean }>>;
}

/**
 * A local stand-in for the subset of GitHub's REST API the bot uses, with GitHub's answer shapes, rate-limit
 * headers and ETags, and test hooks to make runs fail, hang, or requests fail.
 */
export class LocalGitHub extends EventEmitter<LocalGitHubEvents> {
  readonly url: string;
  private readonly recorded: RecordedRequest[] = [];
  private readonly injected: Injected[] = [];
  private readonly rate = new RateLimit();
  private readonly auth: LocalGitHubAuth;
  private readonly hidden = new Set<string>();
  private readonly engine: RunEngine;
  private readonly webhook: WebhookSender | undefined;
  private dispatchDetails: boolean;
  /** Late runs: how long a dispatched run stays out of run lists, and when each such run shows up. */
  private runListingDelayMs = 0;
  private readonly listedFrom = new Map<number, number>();
  private nextId = 4_200_000_001;
  private readonly protection: ProtectionRules;
  private readonly pushes: PushSimulator;

  private constructor(
    private readonly server: Server,
    url: string,
    private readonly repos: Map<string, RepoRecord>,
    private readonly options: LocalGitHubOptions,
  ) {
    super();
    this.url = url;
    this.dispatchDetails = options.dispatchDetails ?? true;
    this.auth = new LocalGitHubAuth(
      options.token === undefined
        ? undefined
        : {
            token: options.token,
            ...(options.tokenExpiresAt ? { expiresAt: options.tokenExpiresAt } : {}),
            ...(options.tokenScopes ? { scopes: options.tokenScopes } : {}),
          },
      options.app,
    );
    this.webhook = options.webhook ? new WebhookSender(options.webhook) : undefined;
    this.pushes = new PushSimulator(
      () => ({ api: this.url, html: options.htmlUrl ?? 'https://github.com' }),
      this.webhook,
    );
    const timing = { queuedMs: 500, inProgressMs: 2000, ...options.timing };
    this.protection = new ProtectionRules(
      new Set(
        Object.entries(options.environments ?? {})
          .filter(([, settings]) => settings.protectionRule === true)
          .map(([name]) => name),
      ),
    );
    this.engine = new RunEngine(
      timing,
      (run, action) => {
        this.onRunChange(run, action);
      },
      (run) => this.protection.environmentOf(run),
    );
    const urls: Urls = { api: url, html: options.htmlUrl ?? 'https://github.com' };
    const ctx: ApiContext = {
      repos,
      hidden: this.hidden,
      urls,
      engine: this.engine,
      nextId: () => this.nextId++,
      returnRunDetails: () => this.dispatchDetails,
      listed: (run) => Date.now() >= (this.listedFrom.get(run.id) ?? 0),
      onDispatch: (run, inputs, repo, workflow) => {
        if (this.runListingDelayMs > 0) this.listedFrom.set(run.id, Date.now() + this.runListingDelayMs);
        this.emit('dispatch', toLocalRun(run), inputs, repo, workflow);
      },
    };
    const router = new Router();
    router.add('GET', '/rate_limit', () => json(this.rate.overview()));
    this.auth.routes(router, urls);
    repoRoutes(router, ctx);
    // Before the commit routes: commits/{sha}/pulls (§17).
    visibilityRoutes(router, ctx);
    gitRoutes(router, ctx);
    actionsRoutes(router, ctx);
    deploymentRoutes(router, ctx);
    protectionRoutes(router, ctx, this.protection, (headers) => this.auth.callerKind(headers));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void this.handle(router, req, res);
    });
  }

  static async start(options: LocalGitHubOptions = {}): Promise<LocalGitHub> {
    const names = options.repos ?? ['example-org/api', 'example-org/web'];
    const workflows: WorkflowSeed[] = (options.workflows ?? ['deploy.yml', 'smoke.yml']).map((w) =>
      typeof w === 'string' ? { file: w, source: exampleWorkflowSource(w) } : w,
    );
    const repos = new Map(
      names.map((name, index) => [name, createRepo(name, 700_100 + index, workflows)] as const),
    );
    const server = createServer();
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new LocalGitHub(server, `http://127.0.0.1:${port}`, repos, options);
  }

  // ---- test and sandbox hooks ----

  /** The next run of `repo` (of `workflow`, when given) concludes `failure`. */
  failNext(repo: string, workflow?: string): void {
    this.engine.failNext(repo, workflow);
  }

  /** While on, runs stay in progress (a stuck run); turning it off lets them finish. */
  holdRuns(on: boolean): void {
    this.engine.hold(on, () => [...this.repos.values()].flatMap((r) => r.runs));
  }

  /** Ends run `runId` of `repo` now with `conclusion` (also while runs are held); false if already done. */
  completeRun(repo: string, runId: number, conclusion: 'success' | 'failure' = 'success'): boolean {
    const run = this.repoOrThrow(repo).runs.find((r) => r.id === runId);
    if (!run) throw new Error(`the local GitHub has no run ${runId} in ${repo}`);
    return this.engine.complete(run, conclusion);
  }

  runs(repo: string): LocalRun[] {
    return (this.repos.get(repo)?.runs ?? []).map(toLocalRun);
  }

  /** Answers the next `count` requests with a rate-limit answer (403 unless `status` is 429). */
  rateLimitNext(count: number, kind: RateLimitKind = 'primary', status: 403 | 429 = 403): void {
    this.rate.forceNext(count, kind, status);
  }

  /**
   * The next request matching `matcher` gets `status`; `after: true` applies it after the request took
   * effect. Status 0 resets the connection instead of answering.
   */
  failNextRequest(
    matcher: RequestMatcher,
    status: number,
    options: { after?: boolean; times?: number } = {},
  ): void {
    for (let i = 0; i < (options.times ?? 1); i++)
      this.injected.push({ matcher, status, after: options.after ?? false });
  }

  /**
   * The next request matching `matcher` gets no answer at all (the connection stays open until the client
   * gives up or the server closes); `after: true` lets it take effect first.
   */
  hangNextRequest(matcher: RequestMatcher, options: { after?: boolean } = {}): void {
    this.injected.push({ matcher, status: HANG, after: options.after ?? false });
  }

  /**
   * Late runs: runs dispatched from now on stay out of the run lists for `ms` (GitHub lists a new run a
   * few seconds after the dispatch); the run itself is there and runs. 0 turns it off.
   */
  delayRunListing(ms: number): void {
    this.runListingDelayMs = ms;
  }

  /** Replaces a workflow file's YAML in every repo that has it (or only in `repo`). */
  setWorkflowFile(file: string, source: string, repo?: string): void {
    for (const record of this.repos.values()) {
      if (repo && record.fullName !== repo) continue;
      const workflow = record.workflows.find((w) => w.file === file);
      if (workflow) {
        workflow.source = source;
        workflow.name = workflowNameOf(file, source);
      }
    }
  }

  /** The credential loses access to `repo`: every route of it answers 404, as GitHub does. */
  hideRepo(repo: string): void {
    this.hidden.add(repo);
  }

  /** The token (or App installation) is revoked: every request answers 401 Bad credentials. */
  revokeCredentials(): void {
    this.auth.revoke();
  }

  /** Installation tokens minted from now on live `ms` (GitHub: an hour). */
  setInstallationTokenTtl(ms: number): void {
    this.auth.setTokenTtl(ms);
  }

  /** How many installation tokens the App has minted. */
  installationTokensMinted(): number {
    return this.auth.minted;
  }

  /** Dispatch answers with run details (true, the 2025 API) or 204 only (false). */
  setDispatchDetails(on: boolean): void {
    this.dispatchDetails = on;
  }

  setCiState(repo: string, ref: string, state: CiState | 'none'): void {
    const record = this.repoOrThrow(repo);
    const commit = resolveCommit(record, ref);
    if (!commit) throw new Error(`no commit ${ref} in ${repo}`);
    if (state === 'none') record.ciStates.delete(commit.sha);
    else record.ciStates.set(commit.sha, state);
  }

  /** Reports one more check run on `ref`'s commit (beside ci/build and ci/test), or replaces it by name. */
  setCheckRun(repo: string, ref: string, name: string, state: CiState): void {
    const record = this.repoOrThrow(repo);
    const commit = resolveCommit(record, ref);
    if (!commit) throw new Error(`no commit ${ref} in ${repo}`);
    const others = (record.extraChecks.get(commit.sha) ?? []).filter((c) => c.name !== name);
    record.extraChecks.set(commit.sha, [...others, { name, state }]);
  }

  /** Adds a commit on top of `branch` (default main), green unless told; returns its SHA. */
  addCommit(repo: string, message: string, options: { branch?: string; ci?: CiState } = {}): string {
    const record = this.repoOrThrow(repo);
    const branch = options.branch ?? 'main';
    const parent = record.branches.get(branch) ?? record.branches.get('main');
    const commit = makeCommit(repo, message, parent, new Date(), record.commits.size);
    record.commits.set(commit.sha, commit);
    record.branches.set(branch, commit.sha);
    record.ciStates.set(commit.sha, options.ci ?? 'success');
    return commit.sha;
  }

  /** A push (§15): a new commit on `branch`, CI pending, then green (or red) after `ciMs`, with webhooks. */
  push(repo: string, message: string, options: PushOptions = {}): string {
    return this.pushes.push(this.repoOrThrow(repo), message, options);
  }

  /** The SHAs of `branch` (default main), newest first. */
  history(repo: string, branch = 'main'): string[] {
    const record = this.repoOrThrow(repo);
    const out: string[] = [];
    let sha = record.branches.get(branch);
    while (sha) {
      out.push(sha);
      sha = record.commits.get(sha)?.parents[0];
    }
    return out;
  }

  tags(repo: string): Record<string, string> {
    return Object.fromEntries(this.repoOrThrow(repo).tags);
  }

  deployments(repo: string): { id: number; sha: string; environment: string; states: string[] }[] {
    return this.repoOrThrow(repo).deployments.map((d) => ({
      id: d.id,
      sha: d.sha,
      environment: d.environment,
      states: d.statuses.map((s) => s.state),
    }));
  }

  requests(): readonly RecordedRequest[] {
    return [...this.recorded];
  }

  resetRequests(): void {
    this.recorded.length = 0;
  }

  // Visibility (§17): what the bot published, for tests and the console.
  releases(repo: string): { tag: string; name: string; body: string }[] {
    return visibilityOf(this.repoOrThrow(repo)).releases.map(({ tag, name, body }) => ({ tag, name, body }));
  }

  /** Comments on pull request `number` (every pull request number is its merge commit's). */
  issueComments(repo: string, number: number): { id: number; body: string; author: string }[] {
    return visibilityOf(this.repoOrThrow(repo))
      .comments.filter((c) => c.issue === number)
      .map(({ id, body, author }) => ({ id, body, author }));
  }

  /** Adds a comment as someone else (a person, or an impostor copying the bot's marker). */
  addIssueComment(repo: string, number: number, body: string, author: string): void {
    const at = new Date().toISOString();
    visibilityOf(this.repoOrThrow(repo)).comments.push({
      id: this.nextId++,
      issue: number,
      body,
      author,
      createdAt: at,
      updatedAt: at,
    });
  }

  /** The number of the pull request that merged `sha` (undefined for the root and direct pushes). */
  pullNumberOf(repo: string, sha: string): number | undefined {
    const record = this.repoOrThrow(repo);
    const commit = record.commits.get(sha);
    return commit ? pullOf(record, commit)?.number : undefined;
  }

  /** `sha` was pushed straight to the branch: no pull request brought it. */
  pushedDirectly(repo: string, sha: string): void {
    visibilityOf(this.repoOrThrow(repo)).direct.add(sha);
  }

  // ---- the deployment protection rule (§16) ----

  /** Whether jobs targeting `env` wait for the App's protection rule answer. */
  isProtected(env: string): boolean {
    return this.protection.isProtected(env);
  }

  /**
   * A person starts the deploy workflow from GitHub's UI (not through the bot): `workflow_dispatch` with the
   * inputs they typed, at the head of `ref`. Returns the run.
   */
  dispatchFromGitHub(
    repo: string,
    env: string,
    options: { login?: string; workflow?: string; ref?: string; version?: string } = {},
  ): LocalRun {
    const record = this.repoOrThrow(repo);
    const workflow = record.workflows.find((w) => w.file === (options.workflow ?? 'deploy.yml'));
    if (!workflow)
      throw new Error(`the local GitHub has no workflow ${options.workflow ?? 'deploy.yml'} in ${repo}`);
    const branch = options.ref ?? 'main';
    const sha = record.branches.get(branch);
    if (!sha) throw new Error(`no branch ${branch} in ${repo}`);
    const inputs = { environment: env, sha, version: options.version ?? 'manual', deploy_id: 'github-ui' };
    const run = this.engine.create({
      repo: record,
      workflow,
      name: runNameOf(parseWorkflowFile(workflow.source), workflow.name, inputs),
      headBranch: branch,
      headSha: sha,
      inputs,
      actor: options.login ?? 'chen',
    });
    return toLocalRun(run);
  }

  /** The App's answers to protection rules, oldest first. */
  protectionAnswers(): readonly ProtectionAnswerRecord[] {
    return [...this.protection.answers];
  }

  webhookDeliveries(): WebhookSender['deliveries'] {
    return [...(this.webhook?.deliveries ?? [])];
  }

  async close(): Promise<void> {
    this.engine.close();
    this.pushes.close();
    this.removeAllListeners();
    await this.webhook?.drain();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  // ---- internals ----

  private repoOrThrow(repo: string): RepoRecord {
    const record = this.repos.get(repo);
    if (!record) throw new Error(`the local GitHub has no repo ${repo}`);
    return record;
  }

  private onRunChange(run: RunRecord, action: RunAction): void {
    if (action === 'requested' && run.status === 'waiting' && run.waitingAt !== undefined) {
      this.onHeld(run, run.waitingAt);
    }
    const view = toLocalRun(run);
    this.emit('runUpdated', view, action);
    if (action === 'completed') this.emit('runCompleted', view, run.inputs, run.repo, run.workflow.file);
    const repo = this.repos.get(run.repo);
    if (this.webhook && repo) {
      const urls: Urls = { api: this.url, html: this.options.htmlUrl ?? 'https://github.com' };
      this.webhook.send('workflow_run', {
        action,
        workflow_run: runJson(urls, repo, run),
        workflow: workflowJson(urls, repo, run.workflow),
        repository: minimalRepository(urls, repo),
        sender: simpleUser(urls, 'release-console[bot]', 'Bot'),
      });
    }
  }

  /** A job waits at a protected environment: GitHub creates its Deployment and asks the App. */
  private onHeld(run: RunRecord, environment: string): void {
    const repo = this.repos.get(run.repo);
    if (!repo) return;
    const deployment = heldDeployment(this.nextId++, run, environment);
    repo.deployments.push(deployment);
    const urls: Urls = { api: this.url, html: this.options.htmlUrl ?? 'https://github.com' };
    const payload = protectionRulePayload(urls, repo, run, deployment, this.options.app?.installationId);
    this.emit('protectionRule', payload);
    this.webhook?.send('deployment_protection_rule', payload);
  }

  private takeInjected(method: string, path: string, after: boolean): Injected | undefined {
    const index = this.injected.findIndex(
      ({ matcher, after: a }) =>
        a === after &&
        (!matcher.method || matcher.method.toUpperCase() === method) &&
        (!matcher.path ||
          (typeof matcher.path === 'string' ? matcher.path === path : matcher.path.test(path))),
    );
    if (index < 0) return undefined;
    return this.injected.splice(index, 1)[0];
  }

  private async handle(router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    let reply: ApiReply;
    try {
      const body = await readBody(req);
      reply = this.answer(router, method, path, url.searchParams, body, req);
    } catch (error) {
      reply = errorReply(
        error instanceof SyntaxError ? 400 : 500,
        error instanceof SyntaxError ? 'Problems parsing JSON' : 'Server Error',
      );
    }
    // Status 0 injected: the connection is reset (before or after the request took effect), no answer.
    // A hang leaves the connection open without a word, for the client's timeout to end.
    if (reply.status === RESET || reply.status === HANG) {
      if (reply.status === RESET) req.socket.destroy();
      this.recorded.push({
        method,
        path,
        query: url.search,
        status: 0,
        time: Date.now(),
        notModified: false,
      });
      return;
    }
    const { status, notModified } = writeReply(
      res,
      method,
      path,
      reply,
      req.headers['if-none-match'],
      this.rate,
    );
    const record = { method, path, query: url.search, status, time: Date.now(), notModified };
    this.recorded.push(record);
    this.emit('request', record);
  }

  private answer(
    router: Router,
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    req: IncomingMessage,
  ): ApiReply {
    // GitHub refuses requests without a User-Agent (403, before it looks at the credentials).
    if (!req.headers['user-agent']) {
      return errorReply(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).',
      );
    }
    const caller = this.auth.authenticate(path, req.headers);
    if (!isCaller(caller)) return caller;
    const reply = this.route(router, method, path, query, body, req);
    return Object.keys(caller.headers).length > 0
      ? { ...reply, headers: { ...caller.headers, ...reply.headers } }
      : reply;
  }

  private route(
    router: Router,
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    req: IncomingMessage,
  ): ApiReply {
    const limited = this.rate.takeForced();
    if (limited) return limited;
    const before = this.takeInjected(method, path, false);
    if (before?.status === RESET || before?.status === HANG) return { status: before.status };
    if (before) return errorReply(before.status, before.status >= 500 ? 'Server Error' : 'Injected failure');
    const found = router.match(method, path);
    if (found === undefined) return errorReply(404, 'Not Found');
    if (found === 'method') return errorReply(404, 'Not Found');
    const reply = found.handler({ method, path, params: found.params, query, body, headers: req.headers });
    const after = this.takeInjected(method, path, true);
    if (after?.status === RESET || after?.status === HANG) return { status: after.status };
    return after ? errorReply(after.status, 'Server Error') : reply;
  }
}

/** Starts the local GitHub API on 127.0.0.1 (port 0 unless given). */
export function startLocalGitHub(options: LocalGitHubOptions = {}): Promise<LocalGitHub> {
  return LocalGitHub.start(options);
}
