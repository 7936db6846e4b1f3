import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from '../../logger.js';

const RetryingOctokit = Octokit.plugin(throttling, retry);
export type GitHubOctokit = InstanceType<typeof RetryingOctokit>;

export interface OctokitSettings {
  readonly baseUrl?: string;
  readonly token?: string;
  readonly userAgent: string;
  readonly log: Logger;
  /** Milliseconds per second of GitHub's retry-after (1000; tests make it small). */
  readonly retryAfterUnitMs: number;
  /** Base of the 5xx backoff: attempt n waits n² × this (1000; tests make it small). */
  readonly backoffUnitMs: number;
  /** Minimum spacing between writes, as GitHub asks of integrators (1000 ms; 0 in tests). */
  readonly writeSpacingMs: number;
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
    ...(settings.token ? { auth: settings.token } : {}),
    userAgent: settings.userAgent,
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => {
        log.warn(message);
      },
      error: (message: string) => {
        log.error(message);
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
