import { isReply, repoOf, type ApiContext } from './context.js';
import {
  errorReply,
  field,
  json,
  linkHeader,
  pageOf,
  stringField,
  type ApiRequest,
  type ApiReply,
  type Router,
} from './http.js';
import type { RepoRecord, RunRecord } from './model.js';
import { findWorkflow, resolveCommit } from './seed.js';
import { runJson, workflowJson } from './shapes.js';
import {
  checkDispatchInputs,
  parseWorkflowFile,
  runNameOf,
  type WorkflowFile,
} from '../../adapters/github/workflow-file.js';

const DISPATCH_DOCS = 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event';

/** workflow_dispatch, run listing and reading, cancel and re-run. */
export function actionsRoutes(router: Router, ctx: ApiContext): void {
  const base = '/repos/{owner}/{repo}/actions';

  router.add('GET', `${base}/workflows`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    return json({
      total_count: repo.workflows.length,
      workflows: repo.workflows.map((w) => workflowJson(ctx.urls, repo, w)),
    });
  });

  router.add('POST', `${base}/workflows/{workflow}/dispatches`, ({ params, body }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const workflow = findWorkflow(repo, params.workflow ?? '');
    if (!workflow) return errorReply(404, 'Not Found');
    const ref = stringField(body, 'ref');
    if (!ref) return errorReply(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    const branch = ref.replace(/^refs\/(heads|tags)\//, '');
    if (!repo.branches.has(branch) && !repo.tags.has(branch))
      return errorReply(422, `No ref found for: ${ref}`);
    const rawInputs: unknown = field(body, 'inputs') ?? {};
    if (typeof rawInputs !== 'object' || rawInputs === null || Array.isArray(rawInputs)) {
      return errorReply(422, "Invalid request.\n\nFor 'properties/inputs', is not an object.");
    }
    if (Object.keys(rawInputs).length > 25) return errorReply(422, 'Invalid request.\n\nToo many inputs.');
    // GitHub reads the workflow file at the dispatched ref and refuses inputs it does not declare.
    let file: WorkflowFile;
    try {
      file = parseWorkflowFile(workflow.source);
    } catch (error) {
      return errorReply(422, `Invalid workflow file: ${(error as Error).message}`, {
        documentation_url: DISPATCH_DOCS,
      });
    }
    const checked = checkDispatchInputs(file, rawInputs as Record<string, unknown>);
    if (!checked.ok) return errorReply(422, checked.message, { documentation_url: DISPATCH_DOCS });
    const { inputs } = checked;
    // The workflow checks out inputs.sha when given (as the deploy workflow does), otherwise the ref.
    const named = inputs.sha !== undefined ? resolveCommit(repo, inputs.sha) : resolveCommit(repo, ref);
    if (!named) return errorReply(422, `No commit found for SHA: ${String(inputs.sha)}`);
    const name = runNameOf(file, workflow.name, inputs);
    const run = ctx.engine.create({ repo, workflow, name, headBranch: branch, headSha: named.sha, inputs });
    ctx.onDispatch(run, inputs, repo.fullName, workflow.file);
    if (field(body, 'return_run_details') !== true || !ctx.returnRunDetails()) return { status: 204 };
    const details = runJson(ctx.urls, repo, run);
    return json({ workflow_run_id: run.id, run_url: details.url, html_url: details.html_url });
  });

  router.add('GET', `${base}/runs`, (request) => {
    const repo = repoOf(ctx, request.params);
    if (isReply(repo)) return repo;
    return listRuns(ctx, repo, repo.runs, request);
  });

  router.add('GET', `${base}/workflows/{workflow}/runs`, (request) => {
    const repo = repoOf(ctx, request.params);
    if (isReply(repo)) return repo;
    const workflow = findWorkflow(repo, request.params.workflow ?? '');
    if (!workflow) return errorReply(404, 'Not Found');
    return listRuns(
      ctx,
      repo,
      repo.runs.filter((r) => r.workflow.id === workflow.id),
      request,
    );
  });

  router.add('GET', `${base}/runs/{id}`, ({ params }) => {
    const found = runOf(ctx, params);
    if (!('run' in found)) return found;
    return json(runJson(ctx.urls, found.repo, found.run));
  });

  router.add('POST', `${base}/runs/{id}/cancel`, ({ params }) => {
    const found = runOf(ctx, params);
    if (!('run' in found)) return found;
    if (!ctx.engine.cancel(found.run))
      return errorReply(409, 'Cannot cancel a workflow run that is completed.');
    return json({}, 202);
  });

  router.add('POST', `${base}/runs/{id}/rerun`, ({ params }) => {
    const found = runOf(ctx, params);
    if (!('run' in found)) return found;
    if (!ctx.engine.rerun(found.run)) return errorReply(403, 'This workflow run is not completed');
    return json({}, 201);
  });
}

function runOf(
  ctx: ApiContext,
  params: Readonly<Record<string, string>>,
): { repo: RepoRecord; run: RunRecord } | ApiReply {
  const repo = repoOf(ctx, params);
  if (isReply(repo)) return repo;
  const run = repo.runs.find((r) => String(r.id) === params.id);
  return run ? { repo, run } : errorReply(404, 'Not Found');
}

function listRuns(
  ctx: ApiContext,
  repo: RepoRecord,
  runs: readonly RunRecord[],
  request: ApiRequest,
): ApiReply {
  const { query } = request;
  const event = query.get('event');
  const status = query.get('status');
  const branch = query.get('branch');
  const headSha = query.get('head_sha');
  const created = query.get('created');
  const inRange = created ? createdFilter(created) : () => true;
  const matching = runs
    .filter((run) => !event || run.event === event)
    .filter((run) => !status || run.status === status || run.conclusion === status)
    .filter((run) => !branch || run.headBranch === branch)
    .filter((run) => !headSha || run.headSha === headSha)
    .filter((run) => inRange(Date.parse(run.createdAt)))
    .filter((run) => ctx.listed(run))
    .sort((a, b) => b.id - a.id);
  const link = linkHeader(ctx.urls.api, request.path, query, matching.length);
  return {
    status: 200,
    body: {
      total_count: matching.length,
      workflow_runs: pageOf(matching, query).map((r) => runJson(ctx.urls, repo, r)),
    },
    ...(link ? { headers: { link } } : {}),
  };
}

/** GitHub's `created` search syntax: `>=T`, `>T`, `<=T`, `<T`, `A..B`, or a bare date (that day). */
export function createdFilter(text: string): (ms: number) => boolean {
  const range = /^(.+)\.\.(.+)$/.exec(text);
  if (range?.[1] && range[2]) {
    const from = range[1] === '*' ? -Infinity : Date.parse(range[1]);
    const to = range[2] === '*' ? Infinity : Date.parse(range[2]);
    return (ms) => ms >= from && ms <= to;
  }
  const op = /^(>=|<=|>|<)(.+)$/.exec(text);
  if (op?.[1] && op[2]) {
    const at = Date.parse(op[2]);
    switch (op[1]) {
      case '>=':
        return (ms) => ms >= at;
      case '>':
        return (ms) => ms > at;
      case '<=':
        return (ms) => ms <= at;
      default:
        return (ms) => ms < at;
    }
  }
  const day = Date.parse(text);
  return (ms) => ms >= day && ms < day + 24 * 60 * 60 * 1000;
}
