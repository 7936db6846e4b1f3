import type { CredentialStatus } from '../../app/ports/github.js';
import { toGitHubError } from './errors.js';
import type { GitHubOctokit } from './octokit.js';

/**
 * What the bot's GitHub credential must be allowed to do (§14): dispatch workflows (actions), mirror deploys
 * as Deployments (deployments) and create release tags (contents). Shared with `npm run doctor`.
 */
export const REQUIRED_APP_PERMISSIONS: Readonly<Record<string, 'write'>> = {
  actions: 'write',
  deployments: 'write',
  contents: 'write',
};

/** A classic token's `repo` scope covers workflow dispatch, deployments and tags. */
export const REQUIRED_TOKEN_SCOPES: readonly string[] = ['repo'];

export function appPermissionProblems(permissions: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(REQUIRED_APP_PERMISSIONS)
    .filter(([name]) => permissions[name] !== 'write')
    .map(
      ([name]) =>
        `the GitHub App lacks "${name}: write" (it has ${permissions[name] ?? 'none'}): grant it in the App's permissions and accept the change on the installation`,
    );
}

/**
 * Problems with a classic token's scopes (`x-oauth-scopes`). Fine-grained tokens send no such header: their
 * repository permissions are checked per repository instead, so an absent header is no problem here.
 */
export function tokenScopeProblems(scopesHeader: string | undefined): string[] {
  if (scopesHeader === undefined) return [];
  const scopes = new Set(
    scopesHeader
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  return REQUIRED_TOKEN_SCOPES.filter((scope) => !scopes.has(scope)).map(
    (scope) =>
      `GITHUB_TOKEN lacks the "${scope}" scope (needed to dispatch workflows, create deployments and tags): create a token with it`,
  );
}

/** GitHub's `github-authentication-token-expiration`: "2026-03-01 12:00:00 UTC" or "… -0800". */
export function parseTokenExpiration(header: string | undefined): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (UTC|[+-]\d{2}:?\d{2})$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const zone = match[3] === 'UTC' ? 'Z' : (match[3] ?? '').replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const at = new Date(`${match[1] ?? ''}T${match[2] ?? ''}${zone}`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export type CredentialKind = 'app' | 'token' | 'none';

const OK_FOR_MS = 5 * 60_000;
const PROBLEM_FOR_MS = 30_000;

type Headers = Readonly<Record<string, string | number | undefined>>;

/**
 * The credential check behind `credentialStatus()`: one per client. It remembers its answer for a while, the
 * token's expiry from any answer GitHub sends, and forgets a good answer the moment GitHub answers 401.
 */
export class CredentialCheck {
  private cached: { status: CredentialStatus; until: number } | undefined;
  private expiresAt: Date | undefined;

  constructor(
    private readonly octokit: GitHubOctokit,
    private readonly kind: CredentialKind,
    private readonly installationId: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    octokit.hook.after('request', (response) => {
      this.observe(response.headers);
    });
    octokit.hook.error('request', (error) => {
      if ((error as { status?: unknown }).status === 401) this.cached = undefined;
      throw error;
    });
  }

  private observe(headers: Headers): void {
    // Installation tokens are renewed by the client: only a token the operator set can run out.
    if (this.kind !== 'token') return;
    const at = parseTokenExpiration(headers['github-authentication-token-expiration']?.toString());
    if (at) this.expiresAt = at;
  }

  async status(): Promise<CredentialStatus> {
    const now = this.now();
    if (this.cached && this.cached.until > now) return this.cached.status;
    const status = await this.check();
    this.cached = { status, until: now + (status.ok ? OK_FOR_MS : PROBLEM_FOR_MS) };
    return status;
  }

  private async check(): Promise<CredentialStatus> {
    if (this.kind === 'none') {
      return {
        ok: false,
        problems: ['no GitHub credentials: set a GitHub App (GITHUB_APP_*) or GITHUB_TOKEN'],
      };
    }
    const problems: string[] = [];
    try {
      if (this.kind === 'app') problems.push(...(await this.appProblems()));
      if (problems.length === 0) {
        const response = await this.octokit.request('GET /rate_limit');
        problems.push(...tokenScopeProblems(this.kind === 'token' ? scopesOf(response.headers) : undefined));
      }
    } catch (error) {
      problems.push(this.describe(error));
    }
    const expiresAt = this.expiresAt;
    if (expiresAt && expiresAt.getTime() <= this.now()) {
      problems.push(`GITHUB_TOKEN expired on ${expiresAt.toISOString().slice(0, 10)}: create a new token`);
    }
    return { ok: problems.length === 0, problems, ...(expiresAt ? { expiresAt } : {}) };
  }

  private async appProblems(): Promise<string[]> {
    try {
      const { data } = await this.octokit.request('GET /app/installations/{installation_id}', {
        installation_id: Number(this.installationId),
      });
      return appPermissionProblems(data.permissions);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 404) {
        return [
          `GitHub has no installation ${this.installationId ?? ''} of this App: install the App and set GITHUB_APP_INSTALLATION_ID to its id`,
        ];
      }
      if (status === 401) {
        return [
          'GitHub refuses the App (GITHUB_APP_ID or GITHUB_APP_PRIVATE_KEY is wrong, or the key was revoked): generate a new private key',
        ];
      }
      throw error;
    }
  }

  private describe(error: unknown): string {
    const failure = toGitHubError(error, 'check the credentials');
    if (failure.kind === 'bad_credentials') {
      return this.kind === 'app'
        ? 'GitHub refuses the App installation token (the installation was suspended or removed): reinstall the App'
        : 'GitHub refuses GITHUB_TOKEN (expired or revoked): create a new token and set GITHUB_TOKEN';
    }
    return `${failure.message}: the credentials could not be checked`;
  }
}

function scopesOf(headers: Headers): string | undefined {
  const value = headers['x-oauth-scopes'];
  return value === undefined ? undefined : String(value);
}
