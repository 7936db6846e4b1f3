import type { ProtectionAnswer } from '../../app/ports/github.js';
import { callGitHub } from './errors.js';
import type { GitHubOctokit } from './octokit.js';

/** GitHub keeps a review comment short; a longer one is clamped on whole characters rather than refused. */
export const PROTECTION_COMMENT_LIMIT = 1024;

export function clampComment(text: string): string {
  const chars = Array.from(text);
  return chars.length <= PROTECTION_COMMENT_LIMIT
    ? text
    : `${chars.slice(0, PROTECTION_COMMENT_LIMIT - 1).join('')}…`;
}

/**
 * The custom deployment protection rule's answer (§16): `POST …/actions/runs/{run_id}/deployment_protection_rule`.
 * Only a GitHub App installation may send it; GitHub answers 204.
 */
export async function answerProtectionRule(
  octokit: GitHubOctokit,
  repo: string,
  runId: number,
  answer: ProtectionAnswer,
): Promise<void> {
  const [owner = '', name = ''] = repo.split('/');
  await callGitHub(`answer the protection rule of run ${runId} in ${repo}`, () =>
    octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', {
      owner,
      repo: name,
      run_id: runId,
      environment_name: answer.environment,
      state: answer.state,
      comment: clampComment(answer.comment),
    }),
  );
}
