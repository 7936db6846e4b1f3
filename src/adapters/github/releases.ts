import { z } from 'zod';
import { GitHubError, type DeploymentState } from '../../app/github-port.js';
import { callGitHub, toGitHubError } from './errors.js';
import type { GitHubOctokit } from './octokit.js';
import { deploymentSchema, gitRefSchema, parseAnswer } from './schemas.js';

/** The writes that record a release in GitHub: Deployments with their statuses, and CalVer tags. */

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
      description: deployment.description.slice(0, 140),
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
      ...(status.description ? { description: status.description.slice(0, 140) } : {}),
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

export async function listTags(octokit: GitHubOctokit, repo: string, prefix: string): Promise<string[]> {
  const what = `list tags ${prefix}* in ${repo}`;
  const refs = await callGitHub(what, () =>
    octokit.paginate('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', {
      ...splitRepo(repo),
      ref: `tags/${prefix}`,
      per_page: 100,
    }),
  );
  return parseAnswer(z.array(gitRefSchema), refs, what).map((r) => r.ref.replace(/^refs\/tags\//, ''));
}
