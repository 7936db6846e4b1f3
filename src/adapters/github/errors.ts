import { GitHubError } from '../../app/ports/github.js';

interface RequestErrorLike {
  readonly status: number;
  readonly response?: {
    readonly headers?: Readonly<Record<string, string | number | undefined>>;
    readonly data?: unknown;
  };
}

function isRequestError(error: unknown): error is RequestErrorLike {
  return error instanceof Error && typeof (error as Partial<RequestErrorLike>).status === 'number';
}

/** The first line of GitHub's own `message`, short; never the request (which carries the token). */
function githubMessage(error: RequestErrorLike): string | undefined {
  const data = error.response?.data;
  if (!data || typeof data !== 'object') return undefined;
  const message = (data as { message?: unknown }).message;
  return typeof message === 'string' ? (message.split('\n')[0] ?? '').slice(0, 160) : undefined;
}

export function isRateLimitError(error: RequestErrorLike): boolean {
  if (error.status !== 403 && error.status !== 429) return false;
  const remaining = error.response?.headers?.['x-ratelimit-remaining'];
  return String(remaining) === '0' || /rate limit/i.test(githubMessage(error) ?? '');
}

/** Turns whatever Octokit threw into a GitHubError about `what` ("dispatch deploy.yml on org/api"). */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error;
  if (!isRequestError(error)) return new GitHubError('unavailable', `GitHub could not be reached to ${what}`);
  const reason = githubMessage(error);
  const said = reason ? `: ${reason}` : '';
  const { status } = error;
  if (status === 401)
    return new GitHubError('bad_credentials', `GitHub refused the credentials (${what})`, status);
  if (isRateLimitError(error)) {
    const reset = Number(error.response?.headers?.['x-ratelimit-reset']);
    const at =
      Number.isFinite(reset) && reset > 0
        ? `; it resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC`
        : '';
    return new GitHubError('rate_limited', `GitHub rate limit reached while trying to ${what}${at}`, status);
  }
  if (status === 403) return new GitHubError('forbidden', `GitHub forbids this (${what})${said}`, status);
  if (status === 404) return new GitHubError('not_found', `GitHub found nothing to ${what}`, status);
  if (status === 409) return new GitHubError('conflict', `GitHub refused to ${what}${said}`, status);
  if (status === 422 || status === 400)
    return new GitHubError('invalid_request', `GitHub refused to ${what}${said}`, status);
  if (status >= 500)
    return new GitHubError('unavailable', `GitHub is unavailable (${status}) to ${what}`, status);
  return new GitHubError('unavailable', `GitHub answered ${status} to ${what}${said}`, status);
}

/** Whether a failed attempt may have reached GitHub without an answer (5xx, network), so retrying is sensible. */
export function mayRetry(error: GitHubError): boolean {
  return error.kind === 'unavailable';
}

/** Runs one Octokit call; returns its data (or a paginated list) unparsed, failures as GitHubError. */
export async function callGitHub(
  what: string,
  request: () => Promise<{ data: unknown } | unknown[]>,
): Promise<unknown> {
  try {
    const result = await request();
    return Array.isArray(result) ? result : result.data;
  } catch (error) {
    throw toGitHubError(error, what);
  }
}
