import { isGitHubError } from '../../app/ports/github.js';
import { UserFacingError } from '../../domain/errors.js';

/**
 * GitHub down (5xx, network) or out of rate limit while a command asks it something: the person's request
 * was not recorded, so they are told so and to try again. One place for every command, button and modal.
 */
export function githubOutage(error: unknown): UserFacingError | undefined {
  if (!isGitHubError(error)) return undefined;
  if (error.kind === 'rate_limited') {
    return new UserFacingError(
      'GITHUB_UNAVAILABLE',
      'GitHub’s rate limit is used up for now; nothing was changed. Try again in a few minutes.',
    );
  }
  if (error.kind !== 'unavailable') return undefined;
  return new UserFacingError(
    'GITHUB_UNAVAILABLE',
    'GitHub is unavailable right now; nothing was changed. Try again in a few minutes.',
  );
}
