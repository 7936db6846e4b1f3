import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from '../../logger.js';

const RetryingOctokit = Octokit.plugin(throttling, retry);
export type GitHubOctokit = InstanceType<typeof RetryingOctokit>;

/** A GitHub App installation: the App id, its private key (PEM) and the installation to act as. */
export interface AppAuth {
  readonly appId: string;
  readonly privateKey: string;
  readonly installationId: string;
}

export interface OctokitSettings {
  readonly baseUrl?: string;
  readonly token?: string;
  readonly app?: AppAuth;
  readonly userAgent: string;
  readonly log: Logger;
  /** Milliseconds per second of GitHub's retry-after (1000; tests make it small). */
  readonly retryAfterUnitMs: number;
  /** Base of the 5xx backoff: attempt n waits n² × this (1000; tests make it small). */
  readonly backoffUnitMs: number;
  /** Minimum spacing between writes, as GitHub asks of integrators (1000 ms; 0 in tests). */
  readonly writeSpacingMs: number;
  /**
   * How long one request may go unanswered before it is given up (and, like a 5xx, retried after a
   * look for its effect): GitHub ends its own work at 10 s, so 15 s by default.
   */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * fetch with a deadline: without one a request GitHub never answers holds its effect until the outbox's
 * own limit, and its connection for minutes. Octokit reports the abort as a 500, which is retried.
 */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init = {}) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal });
  };
}

/** Rate-limit retries per request: the brief's "up to 2 times". */
export const RATE_LIMIT_RETRIES = 2;

/**
 * A write queue per client with a minimum gap between writes: stands in for the throttling plugin's
 * process-wide Bottleneck group, so one client's spacing never slows another (or a test) down.
 */
function spacedGroup(minGapMs: number): unknown {
  let next = Promise.resolve();
  let last = 0;
  const limiter = {
    schedule<T>(_options: unknown, task: (...args: unknown[]) => Promise<T>, ...args: unknown[]): Promise<T> {
      const run = next.then(async () => {
        const wait = last + minGapMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        last = Date.now();
      });
      next = run.catch(() => undefined);
      return run.then(() => task(...args));
    },
  };
  return { key: () => limiter };
}

/**
 * auth-app keeps installation tokens for 59 minutes whatever GitHub says; this cache (one per client, never
 * shared) also honours the token's `expires_at`, so a token is minted again before it runs out: a minute
 * early for GitHub's one-hour tokens, a tenth of the lifetime for shorter ones.
 */
function installationTokenCache(): {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
} {
  const entries = new Map<string, string>();
  return {
    get(key) {
      const value = entries.get(key);
      // auth-app's cache value: token|createdAt|expiresAt|…
      const [, created = '', expires = ''] = value?.split('|') ?? [];
      const expiresAt = Date.parse(expires);
      const marginMs = Math.min(60_000, Math.max(0, (expiresAt - Date.parse(created)) / 10));
      if (value === undefined || !(expiresAt - marginMs > Date.now())) {
        entries.delete(key);
        return undefined;
      }
      return value;
    },
    set(key, value) {
      entries.set(key, value);
    },
  };
}

function authOf(settings: OctokitSettings): Record<string, unknown> {
  if (settings.app) {
    return {
      authStrategy: createAppAuth,
      auth: {
        appId: settings.app.appId,
        privateKey: settings.app.privateKey,
        installationId: settings.app.installationId,
        cache: installationTokenCache(),
      },
    };
  }
  return settings.token ? { auth: settings.token } : {};
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The level of one line of Octokit's request log ("GET /repos/o/r/commits/x - 404 with id … in 5ms"), which
 * Octokit writes as an error for every non-2xx answer: a 304 is a cache hit, a 404 or 422 is most often a
 * name someone mistyped, credentials and rate limits need attention, 5xx is retried; only a request that got
 * no answer at all stays an error.
 */
export function octokitLogLevel(message: string): LogLevel {
  const status = Number(/ - (\d{3}) with id /.exec(message)?.[1]);
  if (!Number.isFinite(status)) return 'error';
  if (status < 400) return 'debug';
  if (status === 401 || status === 403 || status === 429) return 'warn';
  if (status < 500) return 'info';
  return 'warn';
}

export function createOctokit(settings: OctokitSettings): GitHubOctokit {
  const { log } = settings;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const retrying = retryCount < RATE_LIMIT_RETRIES;
      log.warn(
        { kind, retryAfter, retryCount, method: options.method, route: options.url, retrying },
        'GitHub rate limit',
      );
      return retrying;
    };
  const group = spacedGroup(settings.writeSpacingMs) as never;
  return new RetryingOctokit({
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    ...authOf(settings),
    userAgent: settings.userAgent,
    request: { fetch: fetchWithTimeout(settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => {
        log.warn(message);
      },
      error: (message: string) => {
        log[octokitLogLevel(message)](message);
      },
    },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: settings.retryAfterUnitMs,
      write: group,
      notifications: group,
    },
    retry: { retries: 3, retryAfterBaseValue: settings.backoffUnitMs },
  });
}
