import type {
  CommitRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  RepoRecord,
  RunRecord,
  WorkflowRecord,
} from './model.js';
import { fakeSha } from './seed.js';

/** Where the JSON's links point: the API (this server) and the web pages (github.com, as in real answers). */
export interface Urls {
  readonly api: string;
  readonly html: string;
}

type Json = Record<string, unknown>;

const nodeId = (kind: string, id: string | number): string =>
  Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');

function userId(login: string): number {
  return parseInt(fakeSha('user', login).slice(0, 7), 16);
}

export function simpleUser(urls: Urls, login: string, type: 'User' | 'Organization' | 'Bot' = 'User'): Json {
  const api = `${urls.api}/users/${login}`;
  const id = userId(login);
  return {
    login,
    id,
    node_id: nodeId('User', id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.html}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    site_admin: false,
  };
}

/** The bot's own identity in answers that name a creator. */
export const BOT_LOGIN = 'release-console[bot]';

export function minimalRepository(urls: Urls, repo: RepoRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  const names = [
    'archive_url:/{archive_format}{/ref}',
    'assignees_url:/assignees{/user}',
    'blobs_url:/git/blobs{/sha}',
    'branches_url:/branches{/branch}',
    'collaborators_url:/collaborators{/collaborator}',
    'comments_url:/comments{/number}',
    'commits_url:/commits{/sha}',
    'compare_url:/compare/{base}...{head}',
    'contents_url:/contents/{+path}',
    'contributors_url:/contributors',
    'deployments_url:/deployments',
    'downloads_url:/downloads',
    'events_url:/events',
    'forks_url:/forks',
    'git_commits_url:/git/commits{/sha}',
    'git_refs_url:/git/refs{/sha}',
    'git_tags_url:/git/tags{/sha}',
    'hooks_url:/hooks',
    'issue_comment_url:/issues/comments{/number}',
    'issue_events_url:/issues/events{/number}',
    'issues_url:/issues{/number}',
    'keys_url:/keys{/key_id}',
    'labels_url:/labels{/name}',
    'languages_url:/languages',
    'merges_url:/merges',
    'milestones_url:/milestones{/number}',
    'notifications_url:/notifications{?since,all,participating}',
    'pulls_url:/pulls{/number}',
    'releases_url:/releases{/id}',
    'stargazers_url:/stargazers',
    'statuses_url:/statuses/{sha}',
    'subscribers_url:/subscribers',
    'subscription_url:/subscription',
    'tags_url:/tags',
    'teams_url:/teams',
    'trees_url:/git/trees{/sha}',
  ];
  const links = Object.fromEntries(
    names.map((entry) => {
      const [key = '', suffix = ''] = entry.split(/:(.*)/s);
      return [key, `${api}${suffix}`];
    }),
  );
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    owner: simpleUser(urls, repo.owner, 'Organization'),
    private: true,
    html_url: `${urls.html}/${repo.fullName}`,
    description: `The ${repo.name} service`,
    fork: false,
    url: api,
    ...links,
  };
}

export function commitJson(urls: Urls, repo: RepoRecord, commit: CommitRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  const gitUser = { name: commit.author.name, email: commit.author.email, date: commit.author.date };
  return {
    url: `${api}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: nodeId('Commit', commit.sha),
    html_url: `${urls.html}/${repo.fullName}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${commit.sha}`,
      author: gitUser,
      committer: gitUser,
      message: commit.message,
      comment_count: 0,
      tree: { sha: commit.treeSha, url: `${api}/git/trees/${commit.treeSha}` },
      verification: {
        verified: false,
        reason: 'unsigned',
        payload: null,
        signature: null,
        verified_at: null,
      },
    },
    author: simpleUser(urls, commit.author.login),
    committer: simpleUser(urls, commit.author.login),
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${urls.html}/${repo.fullName}/commit/${sha}`,
    })),
  };
}

export function simpleCommit(commit: CommitRecord): Json {
  const person = { name: commit.author.name, email: commit.author.email };
  return {
    id: commit.sha,
    tree_id: commit.treeSha,
    message: commit.message,
    timestamp: commit.author.date,
    author: person,
    committer: person,
  };
}

export function gitRefJson(urls: Urls, repo: RepoRecord, ref: string, sha: string): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    ref,
    node_id: nodeId('Ref', `${repo.fullName}:${ref}`),
    url: `${api}/git/${ref}`,
    object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
  };
}

export function tagJson(urls: Urls, repo: RepoRecord, name: string, sha: string): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    name,
    commit: { sha, url: `${api}/commits/${sha}` },
    zipball_url: `${api}/zipball/refs/tags/${name}`,
    tarball_url: `${api}/tarball/refs/tags/${name}`,
    node_id: nodeId('Tag', `${repo.fullName}:${name}`),
  };
}

export function workflowJson(urls: Urls, repo: RepoRecord, workflow: WorkflowRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    id: workflow.id,
    node_id: nodeId('Workflow', workflow.id),
    name: workflow.name,
    path: `.github/workflows/${workflow.file}`,
    state: 'active',
    created_at: '2025-01-06T09:30:00Z',
    updated_at: '2025-01-06T09:30:00Z',
    url: `${api}/actions/workflows/${workflow.id}`,
    html_url: `${urls.html}/${repo.fullName}/blob/main/.github/workflows/${workflow.file}`,
    badge_url: `${urls.html}/${repo.fullName}/workflows/${workflow.name}/badge.svg`,
  };
}

export function runJson(urls: Urls, repo: RepoRecord, run: RunRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}/actions/runs/${run.id}`;
  const head = repo.commits.get(run.headSha);
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('WorkflowRun', run.id),
    check_suite_id: run.id + 7_000_000,
    check_suite_node_id: nodeId('CheckSuite', run.id + 7_000_000),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: `.github/workflows/${run.workflow.file}`,
    display_title: run.name,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow.id,
    url: api,
    html_url: `${urls.html}/${repo.fullName}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.runStartedAt,
    // A run someone started on GitHub (§16) shows them; the bot's own runs show its App.
    actor: run.actor ? simpleUser(urls, run.actor) : simpleUser(urls, BOT_LOGIN, 'Bot'),
    triggering_actor: run.actor ? simpleUser(urls, run.actor) : simpleUser(urls, BOT_LOGIN, 'Bot'),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${urls.api}/repos/${repo.fullName}/check-suites/${run.id + 7_000_000}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: run.runAttempt > 1 ? `${api}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${urls.api}/repos/${repo.fullName}/actions/workflows/${run.workflow.id}`,
    head_commit: head ? simpleCommit(head) : null,
    repository: minimalRepository(urls, repo),
    head_repository: minimalRepository(urls, repo),
  };
}

export function deploymentJson(urls: Urls, repo: RepoRecord, deployment: DeploymentRecord): Json {
  const api = `${urls.api}/repos/${repo.fullName}/deployments/${deployment.id}`;
  return {
    url: api,
    id: deployment.id,
    node_id: nodeId('Deployment', deployment.id),
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.originalEnvironment,
    environment: deployment.environment,
    description: deployment.description,
    creator: simpleUser(urls, BOT_LOGIN, 'Bot'),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
    statuses_url: `${api}/statuses`,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    transient_environment: deployment.transientEnvironment,
    production_environment: deployment.productionEnvironment,
  };
}

export function deploymentStatusJson(urls: Urls, repo: RepoRecord, status: DeploymentStatusRecord): Json {
  const deployment = `${urls.api}/repos/${repo.fullName}/deployments/${status.deploymentId}`;
  return {
    url: `${deployment}/statuses/${status.id}`,
    id: status.id,
    node_id: nodeId('DeploymentStatus', status.id),
    state: status.state,
    creator: simpleUser(urls, BOT_LOGIN, 'Bot'),
    description: status.description,
    environment: status.environment,
    target_url: status.logUrl,
    log_url: status.logUrl,
    environment_url: status.environmentUrl,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    deployment_url: deployment,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
  };
}
