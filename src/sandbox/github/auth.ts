import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { errorReply, json, type ApiReply, type Router } from './http.js';
import { simpleUser, type Urls } from './shapes.js';

/**
 * How the local GitHub API authenticates, as GitHub does: a token (optionally expiring, with classic scopes
 * sent back in `x-oauth-scopes`), or a GitHub App whose JWT (RS256, signed with the App's private key,
 * verified here with its public key) mints short-lived installation tokens. Without either, every request is
 * accepted (plain tests that do not care about credentials).
 */

export interface TokenCredential {
  readonly token: string;
  /** Sent as `github-authentication-token-expiration`, as for fine-grained and expiring tokens. */
  readonly expiresAt?: Date;
  /** Classic token scopes, sent as `x-oauth-scopes` (default: repo, workflow). */
  readonly scopes?: readonly string[];
}

export interface AppCredential {
  readonly appId: number;
  readonly installationId: number;
  /** The App's public key (PEM), to verify the JWTs it signs. */
  readonly publicKey: string;
  /** How long an installation token lives (GitHub: one hour). */
  readonly tokenTtlMs?: number;
  /** The installation's permissions (default: what the bot needs). */
  readonly permissions?: Readonly<Record<string, string>>;
}

export const APP_PERMISSIONS: Readonly<Record<string, string>> = {
  actions: 'write',
  contents: 'write',
  deployments: 'write',
  metadata: 'read',
  statuses: 'read',
  checks: 'read',
};

const DOCS = 'https://docs.github.com/rest';
const badCredentials = (): ApiReply => errorReply(401, 'Bad credentials', { documentation_url: DOCS });

/** Who a request is, once authenticated: the headers GitHub adds for that credential. */
export interface Caller {
  readonly headers: Readonly<Record<string, string>>;
}

type Verdict = Caller | ApiReply;

export function isCaller(value: Verdict): value is Caller {
  return !('status' in value);
}

/** GitHub's date format for `github-authentication-token-expiration`: "2026-03-01 12:00:00 UTC". */
export function expirationHeader(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export class LocalGitHubAuth {
  private readonly installationTokens = new Map<string, number>();
  private readonly publicKey: KeyObject | undefined;
  private revoked = false;
  private tokenTtlMs: number;
  /** How many installation tokens were minted (tests check refreshes). */
  minted = 0;

  constructor(
    private readonly token: TokenCredential | undefined,
    private readonly app: AppCredential | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.publicKey = app ? createPublicKey(app.publicKey) : undefined;
    this.tokenTtlMs = app?.tokenTtlMs ?? 3_600_000;
  }

  /** Installation tokens minted from now on live this long. */
  setTokenTtl(ms: number): void {
    this.tokenTtlMs = ms;
  }

  /** Every credential stops working, as when a token or App installation is revoked. */
  revoke(): void {
    this.revoked = true;
    this.installationTokens.clear();
  }

  routes(router: Router, urls: Urls): void {
    const app = this.app;
    if (!app) return;
    router.add('POST', '/app/installations/{id}/access_tokens', ({ params, headers }) => {
      const denied = this.checkJwt(headers);
      if (denied) return denied;
      if (params.id !== String(app.installationId)) return errorReply(404, 'Not Found');
      const token = `ghs_${randomBytes(18).toString('base64url')}`;
      const expiresAt = this.now() + this.tokenTtlMs;
      this.installationTokens.set(token, expiresAt);
      this.minted++;
      return json(
        {
          token,
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: app.permissions ?? APP_PERMISSIONS,
          repository_selection: 'all',
        },
        201,
      );
    });
    router.add('GET', '/app/installations/{id}', ({ params, headers }) => {
      const denied = this.checkJwt(headers);
      if (denied) return denied;
      if (params.id !== String(app.installationId)) return errorReply(404, 'Not Found');
      return json(installationJson(app, urls));
    });
  }

  /** Authenticates a request to any route but the App's own (which take the JWT). */
  authenticate(path: string, headers: IncomingHttpHeaders): Verdict {
    if (!this.token && !this.app) return { headers: {} };
    if (this.app && path.startsWith('/app/')) return { headers: {} };
    const given = /^(?:token|bearer)\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (!given || this.revoked) return badCredentials();
    if (this.token && given === this.token.token) {
      const expiresAt = this.token.expiresAt;
      if (expiresAt && expiresAt.getTime() <= this.now()) return badCredentials();
      return {
        headers: {
          'x-oauth-scopes': (this.token.scopes ?? ['repo', 'workflow']).join(', '),
          ...(expiresAt ? { 'github-authentication-token-expiration': expirationHeader(expiresAt) } : {}),
        },
      };
    }
    const installationExpiry = this.installationTokens.get(given);
    if (installationExpiry !== undefined && installationExpiry > this.now()) {
      return {
        headers: { 'github-authentication-token-expiration': expirationHeader(new Date(installationExpiry)) },
      };
    }
    return badCredentials();
  }

  /**
   * What kind of credential an authenticated request carried: an App installation token, a token, or
   * none at all when this server checks no credentials.
   */
  callerKind(headers: IncomingHttpHeaders): 'installation' | 'token' | 'open' {
    if (!this.token && !this.app) return 'open';
    const given = /^(?:token|bearer)\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    return given !== undefined && this.installationTokens.has(given) ? 'installation' : 'token';
  }

  /** A JWT as GitHub accepts it: RS256, signed by the App's key, `iss` the App id, at most 10 minutes long. */
  private checkJwt(headers: IncomingHttpHeaders): ApiReply | undefined {
    const jwt = /^bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (!jwt || !this.publicKey || !this.app || this.revoked) {
      return errorReply(401, 'A JSON web token could not be decoded', { documentation_url: DOCS });
    }
    const [header = '', payload = '', signature = ''] = jwt.split('.');
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return errorReply(401, 'A JSON web token could not be decoded', { documentation_url: DOCS });
    let claims: { iss?: unknown; iat?: unknown; exp?: unknown; alg?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return errorReply(401, 'A JSON web token could not be decoded', { documentation_url: DOCS });
    }
    const nowS = Math.floor(this.now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (String(claims.iss) !== String(this.app.appId)) {
      return errorReply(401, "'Issuer' claim ('iss') must be an Integer", { documentation_url: DOCS });
    }
    if (!Number.isFinite(exp) || exp <= nowS) {
      return errorReply(401, "'Expiration time' claim ('exp') is too far in the future or has passed", {
        documentation_url: DOCS,
      });
    }
    if (!Number.isFinite(iat) || iat > nowS + 60 || exp - iat > 600) {
      return errorReply(
        401,
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
        {
          documentation_url: DOCS,
        },
      );
    }
    return undefined;
  }
}

function installationJson(app: AppCredential, urls: Urls): Record<string, unknown> {
  return {
    id: app.installationId,
    app_id: app.appId,
    app_slug: 'release-console',
    target_id: 700_000,
    target_type: 'Organization',
    account: simpleUser(urls, 'example-org', 'Organization'),
    single_file_name: null,
    access_tokens_url: `${urls.api}/app/installations/${app.installationId}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.html}/organizations/example-org/settings/installations/${app.installationId}`,
    suspended_by: null,
    suspended_at: null,
    permissions: app.permissions ?? APP_PERMISSIONS,
    events: ['workflow_run', 'deployment', 'deployment_status'],
    repository_selection: 'all',
    created_at: '2025-01-06T09:30:00Z',
    updated_at: '2025-01-06T09:30:00Z',
  };
}
