import { isReply, repoOf, type ApiContext } from './context.js';
import { errorReply, json, linkHeader, pageOf, stringField, type Router } from './http.js';
import type { CiState, RepoRecord } from './model.js';
import { ancestry, fakeSha, resolveCommit } from './seed.js';
import { commitJson, gitRefJson, minimalRepository, simpleUser, tagJson } from './shapes.js';

const CI_CONTEXTS = ['ci/build', 'ci/test'];

/** Commits, refs, compare, CI status and tags. */
export function gitRoutes(router: Router, ctx: ApiContext): void {
  const base = '/repos/{owner}/{repo}';

  router.add('GET', `${base}/commits/{ref+}/status`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const commit = resolveCommit(repo, params.ref ?? '');
    if (!commit) return errorReply(422, `No commit found for SHA: ${params.ref ?? ''}`);
    const state = repo.ciStates.get(commit.sha);
    const statuses = state
      ? CI_CONTEXTS.map((context, index) => commitStatus(ctx, repo, commit.sha, context, index, state))
      : [];
    return json({
      state: state ?? 'pending',
      statuses,
      sha: commit.sha,
      total_count: statuses.length,
      repository: minimalRepository(ctx.urls, repo),
      commit_url: `${ctx.urls.api}/repos/${repo.fullName}/commits/${commit.sha}`,
      url: `${ctx.urls.api}/repos/${repo.fullName}/commits/${commit.sha}/status`,
    });
  });

  router.add('GET', `${base}/commits/{ref+}/check-runs`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const commit = resolveCommit(repo, params.ref ?? '');
    if (!commit) return errorReply(422, `No commit found for SHA: ${params.ref ?? ''}`);
    const state = repo.ciStates.get(commit.sha);
    const checkRuns = [
      ...(state ? CI_CONTEXTS.map((name, index) => checkRun(ctx, repo, commit.sha, name, index, state)) : []),
      ...(repo.extraChecks.get(commit.sha) ?? []).map((extra, index) =>
        checkRun(ctx, repo, commit.sha, extra.name, CI_CONTEXTS.length + index, extra.state),
      ),
    ];
    return json({ total_count: checkRuns.length, check_runs: checkRuns });
  });

  router.add('GET', `${base}/commits/{ref+}`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const ref = params.ref ?? '';
    const commit = resolveCommit(repo, ref);
    if (!commit) return errorReply(422, `No commit found for SHA: ${ref}`);
    return json({
      ...commitJson(ctx.urls, repo, commit),
      stats: { total: 12, additions: 9, deletions: 3 },
      files: [],
    });
  });

  router.add('GET', `${base}/git/ref/{ref+}`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const ref = params.ref ?? '';
    const sha = lookupRef(repo, ref);
    if (!sha) return errorReply(404, 'Not Found');
    return json(gitRefJson(ctx.urls, repo, `refs/${ref}`, sha));
  });

  router.add('GET', `${base}/git/matching-refs/{ref+}`, ({ params, query, path }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const prefix = `refs/${params.ref ?? ''}`;
    const all = [
      ...[...repo.branches].map(([name, sha]) => [`refs/heads/${name}`, sha] as const),
      ...[...repo.tags].map(([name, sha]) => [`refs/tags/${name}`, sha] as const),
    ]
      .filter(([ref]) => ref.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b));
    const link = linkHeader(ctx.urls.api, path, query, all.length);
    return {
      status: 200,
      body: pageOf(all, query).map(([ref, sha]) => gitRefJson(ctx.urls, repo, ref, sha)),
      ...(link ? { headers: { link } } : {}),
    };
  });

  router.add('POST', `${base}/git/refs`, ({ params, body }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const ref = stringField(body, 'ref');
    const sha = stringField(body, 'sha');
    if (!ref || !sha) return errorReply(422, 'Invalid request.\n\n"ref" and "sha" are required.');
    const match = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
    if (!match?.[1] || !match[2]) {
      return errorReply(422, 'Reference name must start with refs/ and have at least two slashes.');
    }
    if (!repo.commits.has(sha)) return errorReply(422, 'Object does not exist');
    const names = match[1] === 'tags' ? repo.tags : repo.branches;
    if (names.has(match[2])) return errorReply(422, 'Reference already exists');
    names.set(match[2], sha);
    return json(gitRefJson(ctx.urls, repo, ref, sha), 201);
  });

  router.add('GET', `${base}/tags`, ({ params, query, path }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    // GitHub lists tags newest-name first; the bot only needs all names.
    const tags = [...repo.tags].sort(([a], [b]) => b.localeCompare(a));
    const link = linkHeader(ctx.urls.api, path, query, tags.length);
    return {
      status: 200,
      body: pageOf(tags, query).map(([name, sha]) => tagJson(ctx.urls, repo, name, sha)),
      ...(link ? { headers: { link } } : {}),
    };
  });

  router.add('GET', `${base}/compare/{basehead+}`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const [baseRef = '', headRef = ''] = (params.basehead ?? '').split('...');
    const baseCommit = resolveCommit(repo, baseRef);
    const headCommit = resolveCommit(repo, headRef);
    if (!baseCommit || !headCommit) return errorReply(404, 'Not Found');
    const headHistory = ancestry(repo, headCommit.sha);
    const baseHistory = ancestry(repo, baseCommit.sha);
    const baseShas = new Set(baseHistory.map((c) => c.sha));
    const mergeBase = headHistory.find((c) => baseShas.has(c.sha)) ?? baseCommit;
    const ahead = headHistory
      .slice(
        0,
        headHistory.findIndex((c) => c.sha === mergeBase.sha),
      )
      .reverse();
    const behindBy = baseHistory.findIndex((c) => c.sha === mergeBase.sha);
    const status =
      ahead.length > 0 && behindBy > 0
        ? 'diverged'
        : ahead.length > 0
          ? 'ahead'
          : behindBy > 0
            ? 'behind'
            : 'identical';
    const html = `${ctx.urls.html}/${repo.fullName}/compare/${baseRef}...${headRef}`;
    return json({
      url: `${ctx.urls.api}/repos/${repo.fullName}/compare/${baseRef}...${headRef}`,
      html_url: html,
      permalink_url: `${ctx.urls.html}/${repo.fullName}/compare/${baseCommit.sha.slice(0, 7)}...${headCommit.sha.slice(0, 7)}`,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      base_commit: commitJson(ctx.urls, repo, baseCommit),
      merge_base_commit: commitJson(ctx.urls, repo, mergeBase),
      status,
      ahead_by: ahead.length,
      behind_by: behindBy,
      total_commits: ahead.length,
      commits: ahead.map((c) => commitJson(ctx.urls, repo, c)),
      files: [],
    });
  });
}

function lookupRef(repo: RepoRecord, ref: string): string | undefined {
  const match = /^(heads|tags)\/(.+)$/.exec(ref);
  if (!match?.[2]) return undefined;
  return (match[1] === 'heads' ? repo.branches : repo.tags).get(match[2]);
}

function commitStatus(
  ctx: ApiContext,
  repo: RepoRecord,
  sha: string,
  context: string,
  index: number,
  state: CiState,
) {
  const id = parseInt(fakeSha('status', sha, context).slice(0, 8), 16);
  return {
    url: `${ctx.urls.api}/repos/${repo.fullName}/statuses/${sha}`,
    avatar_url: null,
    id,
    node_id: Buffer.from(`StatusContext:${id}`).toString('base64'),
    state,
    description:
      state === 'success' ? 'All checks passed' : state === 'pending' ? 'Running' : 'Checks failed',
    target_url: `${ctx.urls.html}/${repo.fullName}/commit/${sha}/checks`,
    context,
    created_at: '2025-01-06T09:40:00Z',
    updated_at: '2025-01-06T09:45:00Z',
    creator: simpleUser(ctx.urls, 'ci-bot', 'Bot'),
  };
}

function checkRun(
  ctx: ApiContext,
  repo: RepoRecord,
  sha: string,
  name: string,
  index: number,
  state: CiState,
) {
  const id = parseInt(fakeSha('check', sha, name).slice(0, 8), 16);
  const completed = state !== 'pending';
  const api = `${ctx.urls.api}/repos/${repo.fullName}`;
  return {
    id,
    head_sha: sha,
    node_id: Buffer.from(`CheckRun:${id}`).toString('base64'),
    external_id: String(index),
    url: `${api}/check-runs/${id}`,
    html_url: `${ctx.urls.html}/${repo.fullName}/runs/${id}`,
    details_url: `${ctx.urls.html}/${repo.fullName}/runs/${id}`,
    status: completed ? 'completed' : 'in_progress',
    conclusion: completed ? state : null,
    started_at: '2025-01-06T09:40:00Z',
    completed_at: completed ? '2025-01-06T09:45:00Z' : null,
    output: {
      title: completed ? `${name} ${state}` : null,
      summary: null,
      text: null,
      annotations_count: 0,
      annotations_url: `${api}/check-runs/${id}/annotations`,
    },
    name,
    check_suite: { id: id + 1 },
    app: null,
    pull_requests: [],
  };
}
