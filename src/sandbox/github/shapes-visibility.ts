import type { RepoRecord } from './model.js';
import { fullRepository } from './routes-repos.js';
import { simpleUser, type Urls } from './shapes.js';
import type { CommentRecord, PullRecord, ReleaseRecord } from './visibility-state.js';

type Json = Record<string, unknown>;

const nodeId = (kind: string, id: string | number): string =>
  Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');

export function releaseJson(urls: Urls, repo: RepoRecord, release: ReleaseRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    url: `${api}/releases/${release.id}`,
    html_url: `${urls.html}/${repo.fullName}/releases/tag/${encodeURIComponent(release.tag)}`,
    assets_url: `${api}/releases/${release.id}/assets`,
    upload_url: `https://uploads.github.com/repos/${repo.fullName}/releases/${release.id}/assets{?name,label}`,
    tarball_url: `${api}/tarball/${release.tag}`,
    zipball_url: `${api}/zipball/${release.tag}`,
    id: release.id,
    node_id: nodeId('Release', release.id),
    tag_name: release.tag,
    target_commitish: release.targetCommitish,
    name: release.name,
    body: release.body,
    draft: false,
    prerelease: false,
    immutable: false,
    created_at: release.createdAt,
    published_at: release.createdAt,
    updated_at: release.createdAt,
    author: simpleUser(urls, release.author, 'Bot'),
    assets: [],
  };
}

function branchJson(urls: Urls, repo: RepoRecord, ref: string, sha: string): Json {
  return {
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: simpleUser(urls, repo.owner, 'Organization'),
    repo: {
      ...fullRepository(urls, repo),
      topics: [],
      allow_forking: true,
      is_template: false,
      has_downloads: true,
    },
  };
}

export function pullJson(urls: Urls, repo: RepoRecord, pull: PullRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  const html = `${urls.html}/${repo.fullName}/pull/${pull.number}`;
  const self = `${api}/pulls/${pull.number}`;
  const link = (href: string) => ({ href });
  return {
    url: self,
    id: 9_000_000 + pull.number,
    node_id: nodeId('PullRequest', `${repo.fullName}#${pull.number}`),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${pull.mergeSha}`,
    number: pull.number,
    state: 'closed',
    locked: false,
    title: pull.title,
    user: simpleUser(urls, pull.author),
    body: null,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.createdAt,
    closed_at: pull.createdAt,
    merged_at: pull.createdAt,
    merge_commit_sha: pull.mergeSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchJson(urls, repo, `pr-${pull.number}`, pull.mergeSha),
    base: branchJson(urls, repo, 'main', pull.mergeSha),
    _links: {
      self: link(self),
      html: link(html),
      issue: link(`${api}/issues/${pull.number}`),
      comments: link(`${api}/issues/${pull.number}/comments`),
      review_comments: link(`${self}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${self}/commits`),
      statuses: link(`${api}/statuses/${pull.mergeSha}`),
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: false,
  };
}

export function commentJson(urls: Urls, repo: RepoRecord, comment: CommentRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${urls.html}/${repo.fullName}/pull/${comment.issue}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${comment.issue}`,
    body: comment.body,
    user: simpleUser(urls, comment.author, comment.author.endsWith('[bot]') ? 'Bot' : 'User'),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: 'NONE',
  };
}
