import { z } from 'zod';
import { GitHubError, type DeploymentState } from '../../app/ports/github.js';
import { callGitHub, toGitHubError } from './errors.js';
import type { GitHubOctokit } from './octokit.js';
import { deploymentSchema, gitRefSchema, parseAnswer } from './schemas.js';

/** The writes that record a release in GitHub: Deployments with their statuses, and CalVer tags. */

/** GitHub refuses (422) a deployment status description over 140 characters: clamp whole characters. */
export const DESCRIPTION_LIMIT = 140;
export function clampDescription(text: string): string {
  const chars = Array.from(text);
  return chars.length <= DESCRIPTION_LIMIT ? text : `${chars.slice(0, DESCRIPTION_LIMIT - 1).join('')}…`;
}

const splitRepo = (repo: string): { owner: string; repo: string } => {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
};

export async function createDeployment(
  octokit: GitHubOctokit,
  repo: string,
  deployment: {
    sha: string;
    environment: string;
    description: string;
    payload?: Readonly<Record<string, unknown>>;
    production?: boolean;
  },
): Promise<number> {
  const what = `create a ${deployment.environment} deployment in ${repo}`;
  const data = await callGitHub(what, () =>
    octokit.request('POST /repos/{owner}/{repo}/deployments', {
      ...splitRepo(repo),
      ref: deployment.sha,
      environment: deployment.environment,
      description: clampDescription(deployment.description),
      payload: { ...deployment.payload },
      // The bot runs its own gates (CI green, staging first); GitHub must neither merge nor re-check.
      auto_merge: false,
      required_contexts: [],
      ...(deployment.production === undefined ? {} : { production_environment: deployment.production }),
      transient_environment: false,
    }),
  );
  return parseAnswer(deploymentSchema, data, what).id;
}

const listedDeployment = z.object({ id: z.number(), payload: z.unknown() });

/** The Deployment created for `deployId` (its payload carries the id), if there is one. */
export async function findDeployment(
  octokit: GitHubOctokit,
  repo: string,
  query: { sha: string; environment: string; deployId: string },
): Promise<number | undefined> {
  const what = `list the ${query.environment} deployments of ${repo}`;
  const data = await callGitHub(what, () =>
    octokit.request('GET /repos/{owner}/{repo}/deployments', {
      ...splitRepo(repo),
      sha: query.sha,
      environment: query.environment,
      per_page: 30,
    }),
  );
  const found = parseAnswer(z.array(listedDeployment), data, what).find((deployment) => {
    const payload = deployment.payload as { deploy_id?: unknown } | null | undefined;
    return typeof payload === 'object' && payload?.deploy_id === query.deployId;
  });
  return found?.id;
}

export async function createDeploymentStatus(
  octokit: GitHubOctokit,
  repo: string,
  deploymentId: number,
  status: {
    state: DeploymentState;
    logUrl?: string;
    environmentUrl?: string;
    description?: string;
  },
): Promise<void> {
  await callGitHub(`set deployment ${deploymentId} to ${status.state} in ${repo}`, () =>
    octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
      ...splitRepo(repo),
      deployment_id: deploymentId,
      state: status.state,
      ...(status.logUrl ? { log_url: status.logUrl } : {}),
      ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
      ...(status.description ? { description: clampDescription(status.description) } : {}),
    }),
  );
}

export async function createTag(
  octokit: GitHubOctokit,
  repo: string,
  tag: string,
  sha: string,
): Promise<void> {
  const what = `tag ${sha.slice(0, 7)} as ${tag} in ${repo}`;
  try {
    await octokit.request('POST /repos/{owner}/{repo}/git/refs', {
      ...splitRepo(repo),
      ref: `refs/tags/${tag}`,
      sha,
    });
  } catch (error) {
    const failure = toGitHubError(error, what);
    if (failure.kind !== 'invalid_request') throw failure;
    // "Reference already exists": fine when it is this very tag (a retried job), a conflict otherwise.
    const data = await callGitHub(what, () =>
      octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        ...splitRepo(repo),
        ref: `tags/${tag}`,
      }),
    );
    const existing = parseAnswer(gitRefSchema, data, what);
    if (existing.object.sha !== sha) {
      throw new GitHubError(
        'conflict',
        `tag ${tag} already exists in ${repo} on ${existing.object.sha.slice(0, 7)}`,
        422,
      );
    }
  }
}

/** Per-client memory of the last tag listing of each repo and prefix, for conditional requests. */
export type TagCache = Map<string, { etag: string; names: string[] }>;

/**
 * Tag names starting with `prefix`. A one-page answer is remembered with its ETag, so asking again while
 * no tag was added costs a 304 (free of rate limit); longer lists are read page by page.
 */
export async function listTags(
  octokit: GitHubOctokit,
  repo: string,
  prefix: string,
  cache: TagCache = new Map(),
): Promise<string[]> {
  const what = `list tags ${prefix}* in ${repo}`;
  const key = `${repo}:${prefix}`;
  const cached = cache.get(key);
  const route = 'GET /repos/{owner}/{repo}/git/matching-refs/{ref}' as const;
  const params = { ...splitRepo(repo), ref: `tags/${prefix}`, per_page: 100 };
  const toNames = (data: unknown): string[] =>
    parseAnswer(z.array(gitRefSchema), data, what).map((r) => r.ref.replace(/^refs\/tags\//, ''));
  let first;
  try {
    first = await octokit.request(route, {
      ...params,
      ...(cached ? { headers: { 'if-none-match': cached.etag } } : {}),
    });
  } catch (error) {
    if (cached && (error as { status?: unknown }).status === 304) return [...cached.names];
    throw toGitHubError(error, what);
  }
  if (first.headers.link?.includes('rel="next"')) {
    cache.delete(key);
    const rest = await callGitHub(what, () => octokit.paginate(route, { ...params, page: 2 }));
    return [...toNames(first.data), ...toNames(rest)];
  }
  const names = toNames(first.data);
  if (first.headers.etag) cache.set(key, { etag: first.headers.etag, names });
  return names;
}
