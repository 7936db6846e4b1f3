import { isReply, repoOf, type ApiContext } from './context.js';
import { errorReply, field, json, linkHeader, pageOf, stringField, type Router } from './http.js';
import { resolveCommit } from './seed.js';
import { BOT_LOGIN } from './shapes.js';
import { commentJson, pullJson, releaseJson } from './shapes-visibility.js';
import { pullByNumber, pullOf, visibilityOf } from './visibility-state.js';

/** GitHub's limits: a release body, and an issue comment body. */
export const RELEASE_BODY_MAX = 125_000;
export const COMMENT_BODY_MAX = 65_536;

const validation = (resource: string, fieldName: string, code: string, message?: string) =>
  errorReply(422, 'Validation Failed', {
    errors: [{ resource, field: fieldName, code, ...(message ? { message } : {}) }],
  });

/**
 * Releases, the pull requests of a commit, and issue comments (§17). Registered before the commit routes:
 * `commits/{sha}/pulls` would otherwise be read as a ref named "sha/pulls".
 */
export function visibilityRoutes(router: Router, ctx: ApiContext): void {
  const base = '/repos/{owner}/{repo}';
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  router.add('GET', `${base}/releases/tags/{tag+}`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const release = visibilityOf(repo).releases.find((r) => r.tag === params.tag);
    return release ? json(releaseJson(ctx.urls, repo, release)) : errorReply(404, 'Not Found');
  });

  router.add('GET', `${base}/releases`, ({ params, query, path }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const all = [...visibilityOf(repo).releases].reverse();
    const link = linkHeader(ctx.urls.api, path, query, all.length);
    return {
      status: 200,
      body: pageOf(all, query).map((r) => releaseJson(ctx.urls, repo, r)),
      ...(link ? { headers: { link } } : {}),
    };
  });

  router.add('POST', `${base}/releases`, ({ params, body }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const tag = stringField(body, 'tag_name');
    if (!tag) return validation('Release', 'tag_name', 'missing_field');
    const text = stringField(body, 'body') ?? '';
    if (text.length > RELEASE_BODY_MAX) {
      return validation(
        'Release',
        'body',
        'custom',
        `body is too long (maximum is ${RELEASE_BODY_MAX} characters)`,
      );
    }
    const state = visibilityOf(repo);
    if (state.releases.some((r) => r.tag === tag)) return validation('Release', 'tag_name', 'already_exists');
    const target = stringField(body, 'target_commitish') ?? 'main';
    if (!repo.tags.has(tag)) {
      // GitHub creates a missing tag from target_commitish.
      const commit = resolveCommit(repo, target);
      if (!commit) return validation('Release', 'target_commitish', 'invalid');
      repo.tags.set(tag, commit.sha);
    }
    const release = {
      id: ctx.nextId(),
      tag,
      name: stringField(body, 'name') ?? tag,
      body: text,
      targetCommitish: target,
      createdAt: now(),
      author: BOT_LOGIN,
    };
    state.releases.push(release);
    return json(releaseJson(ctx.urls, repo, release), 201);
  });

  router.add('GET', `${base}/commits/{sha}/pulls`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const commit = resolveCommit(repo, params.sha ?? '');
    if (!commit) return errorReply(422, `No commit found for SHA: ${params.sha ?? ''}`);
    const pull = pullOf(repo, commit);
    return json(pull ? [pullJson(ctx.urls, repo, pull)] : []);
  });

  const issueOf = (repo: Parameters<typeof pullByNumber>[0], number: string | undefined) =>
    /^\d+$/.test(number ?? '') ? pullByNumber(repo, Number(number)) : undefined;

  router.add('GET', `${base}/issues/{number}/comments`, ({ params, query, path }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const pull = issueOf(repo, params.number);
    if (!pull) return errorReply(404, 'Not Found');
    const all = visibilityOf(repo).comments.filter((c) => c.issue === pull.number);
    const link = linkHeader(ctx.urls.api, path, query, all.length);
    return {
      status: 200,
      body: pageOf(all, query).map((c) => commentJson(ctx.urls, repo, c)),
      ...(link ? { headers: { link } } : {}),
    };
  });

  router.add('POST', `${base}/issues/{number}/comments`, ({ params, body }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const pull = issueOf(repo, params.number);
    if (!pull) return errorReply(404, 'Not Found');
    const text = field(body, 'body');
    if (typeof text !== 'string' || text.length === 0)
      return validation('IssueComment', 'body', 'missing_field');
    if (text.length > COMMENT_BODY_MAX)
      return validation('IssueComment', 'body', 'custom', 'Body is too long');
    const at = now();
    const comment = {
      id: ctx.nextId(),
      issue: pull.number,
      body: text,
      author: BOT_LOGIN,
      createdAt: at,
      updatedAt: at,
    };
    visibilityOf(repo).comments.push(comment);
    return json(commentJson(ctx.urls, repo, comment), 201);
  });

  router.add('PATCH', `${base}/issues/comments/{id}`, ({ params, body }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const comment = visibilityOf(repo).comments.find((c) => String(c.id) === params.id);
    if (!comment) return errorReply(404, 'Not Found');
    const text = field(body, 'body');
    if (typeof text !== 'string' || text.length === 0)
      return validation('IssueComment', 'body', 'missing_field');
    if (text.length > COMMENT_BODY_MAX)
      return validation('IssueComment', 'body', 'custom', 'Body is too long');
    comment.body = text;
    comment.updatedAt = now();
    return json(commentJson(ctx.urls, repo, comment));
  });
}
