import { isReply, repoOf, type ApiContext } from './context.js';
import { errorReply, json, type Router } from './http.js';
import type { RepoRecord } from './model.js';
import { fakeSha } from './seed.js';
import { minimalRepository, type Urls } from './shapes.js';

const WORKFLOWS_DIR = '.github/workflows/';

/** GitHub's full-repository answer: what `GET /repos/{owner}/{repo}` returns (the repo is private). */
export function fullRepository(urls: Urls, repo: RepoRecord): Record<string, unknown> {
  const html = `${urls.html}/${repo.fullName}`;
  return {
    ...minimalRepository(urls, repo),
    private: true,
    visibility: 'private',
    clone_url: `${html}.git`,
    git_url: `git://github.com/${repo.fullName}.git`,
    ssh_url: `git@github.com:${repo.fullName}.git`,
    svn_url: html,
    mirror_url: null,
    homepage: null,
    language: 'TypeScript',
    default_branch: 'main',
    forks: 0,
    forks_count: 0,
    open_issues: 0,
    open_issues_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    network_count: 0,
    subscribers_count: 1,
    size: 120,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: '2025-01-11T09:30:00Z',
    created_at: '2025-01-06T09:30:00Z',
    updated_at: '2025-01-11T09:30:00Z',
    // What the authenticated caller may do: the bot's credential may push (tags) here.
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  };
}

/** A repository, and its workflow files through the contents API (what `npm run doctor` reads). */
export function repoRoutes(router: Router, ctx: ApiContext): void {
  router.add('GET', '/repos/{owner}/{repo}', ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    return json(fullRepository(ctx.urls, repo));
  });

  router.add('GET', '/repos/{owner}/{repo}/contents/{path+}', ({ params, query }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const ref = query.get('ref') ?? 'main';
    if (
      !repo.branches.has(ref.replace(/^refs\/heads\//, '')) &&
      !repo.tags.has(ref.replace(/^refs\/tags\//, ''))
    ) {
      return errorReply(404, `No commit found for the ref ${ref}`);
    }
    const path = params.path ?? '';
    const workflow = path.startsWith(WORKFLOWS_DIR)
      ? repo.workflows.find((w) => `${WORKFLOWS_DIR}${w.file}` === path)
      : undefined;
    if (!workflow) return errorReply(404, 'Not Found');
    const content = Buffer.from(workflow.source, 'utf8');
    const sha = fakeSha('blob', workflow.source);
    const api = `${ctx.urls.api}/repos/${repo.fullName}`;
    const self = `${api}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const html = `${ctx.urls.html}/${repo.fullName}/blob/${ref}/${path}`;
    const git = `${api}/git/blobs/${sha}`;
    return json({
      type: 'file',
      encoding: 'base64',
      size: content.length,
      name: workflow.file,
      path,
      // GitHub wraps the base64 at 60 characters.
      content: (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
      sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${path}`,
      _links: { self, git, html },
    });
  });
}
