import { z } from 'zod';
import type { IssueCommentInfo, PullRequestInfo, ReleaseInfo } from '../../app/ports/github.js';
import { callGitHub, toGitHubError } from './errors.js';
import type { GitHubOctokit } from './octokit.js';
import { parseAnswer } from './schemas.js';

/** Releases, the pull requests of a commit, and issue comments (§17), over Octokit. */

const splitRepo = (repo: string): { owner: string; repo: string } => {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
};

const releaseSchema = z.object({ id: z.number(), tag_name: z.string(), html_url: z.string() });
const userSchema = z.object({ login: z.string() }).nullable();
const pullSchema = z.object({
  number: z.number(),
  title: z.string(),
  user: userSchema,
  merged_at: z.string().nullable(),
});
const commentSchema = z.object({ id: z.number(), body: z.string().optional(), user: userSchema });

const toRelease = (json: z.infer<typeof releaseSchema>): ReleaseInfo => ({
  id: json.id,
  tag: json.tag_name,
  url: json.html_url,
});

export async function findRelease(
  octokit: GitHubOctokit,
  repo: string,
  tag: string,
): Promise<ReleaseInfo | undefined> {
  const what = `read the release ${tag} of ${repo}`;
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/releases/tags/{tag}', {
      ...splitRepo(repo),
      tag,
    });
    return toRelease(parseAnswer(releaseSchema, data, what));
  } catch (error) {
    const failure = toGitHubError(error, what);
    if (failure.kind === 'not_found') return undefined;
    throw failure;
  }
}

export async function createRelease(
  octokit: GitHubOctokit,
  repo: string,
  release: { tag: string; name: string; body: string },
): Promise<ReleaseInfo> {
  const what = `create the release ${release.tag} of ${repo}`;
  try {
    const { data } = await octokit.request('POST /repos/{owner}/{repo}/releases', {
      ...splitRepo(repo),
      tag_name: release.tag,
      name: release.name,
      body: release.body,
      draft: false,
      prerelease: false,
    });
    return toRelease(parseAnswer(releaseSchema, data, what));
  } catch (error) {
    const failure = toGitHubError(error, what);
    if (failure.kind !== 'invalid_request') throw failure;
    // 422 already_exists: another attempt created it first; that one is this release.
    const existing = await findRelease(octokit, repo, release.tag);
    if (!existing) throw failure;
    return existing;
  }
}

export async function pullsOfCommit(
  octokit: GitHubOctokit,
  repo: string,
  sha: string,
): Promise<PullRequestInfo[]> {
  const what = `list the pull requests of ${sha.slice(0, 7)} in ${repo}`;
  const data = await callGitHub(what, () =>
    octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
      ...splitRepo(repo),
      commit_sha: sha,
      per_page: 100,
    }),
  );
  return parseAnswer(z.array(pullSchema), data, what).map((pull) => ({
    number: pull.number,
    title: pull.title,
    author: pull.user?.login ?? 'ghost',
    merged: pull.merged_at !== null,
  }));
}

export async function listIssueComments(
  octokit: GitHubOctokit,
  repo: string,
  number: number,
): Promise<IssueCommentInfo[]> {
  const what = `list the comments of #${number} in ${repo}`;
  const data = await callGitHub(what, () =>
    octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...splitRepo(repo),
      issue_number: number,
      per_page: 100,
    }),
  );
  return parseAnswer(z.array(commentSchema), data, what).map((comment) => ({
    id: comment.id,
    body: comment.body ?? '',
    author: comment.user?.login ?? 'ghost',
  }));
}

export async function createIssueComment(
  octokit: GitHubOctokit,
  repo: string,
  number: number,
  body: string,
): Promise<number> {
  const what = `comment on #${number} in ${repo}`;
  const data = await callGitHub(what, () =>
    octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...splitRepo(repo),
      issue_number: number,
      body,
    }),
  );
  return parseAnswer(commentSchema, data, what).id;
}

export async function updateIssueComment(
  octokit: GitHubOctokit,
  repo: string,
  commentId: number,
  body: string,
): Promise<void> {
  await callGitHub(`edit comment ${commentId} in ${repo}`, () =>
    octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      ...splitRepo(repo),
      comment_id: commentId,
      body,
    }),
  );
}
