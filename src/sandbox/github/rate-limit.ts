import { errorReply, type ApiReply } from './http.js';

export type RateLimitKind = 'primary' | 'secondary';

const HOUR_MS = 60 * 60 * 1000;

/** GitHub's core rate limit, counted per request, plus a test hook that forces limit answers. */
export class RateLimit {
  private used = 0;
  private resetAt = Date.now() + HOUR_MS;
  private forced: { kind: RateLimitKind; status: 403 | 429 }[] = [];

  constructor(private readonly limit = 5000) {}

  /**
   * The next `count` requests are answered as if the limit were hit: 403, or 429 (GitHub answers either;
   * with 429 it also sends Retry-After for the primary limit).
   */
  forceNext(count: number, kind: RateLimitKind, status: 403 | 429 = 403): void {
    this.forced.push(...Array.from({ length: count }, () => ({ kind, status })));
  }

  /** A forced limit answer for this request, if one is due. */
  takeForced(): ApiReply | undefined {
    const forced = this.forced.shift();
    if (!forced) return undefined;
    const { kind, status } = forced;
    if (kind === 'secondary') {
      return {
        ...errorReply(
          status,
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        ),
        headers: { 'retry-after': '1', ...this.headers() },
      };
    }
    const reset = Math.ceil(Date.now() / 1000) + 1;
    return {
      ...errorReply(
        status,
        'API rate limit exceeded for installation. Check out the documentation for more details.',
      ),
      headers: {
        ...this.headers(),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
        ...(status === 429 ? { 'retry-after': '1' } : {}),
      },
    };
  }

  consume(): void {
    this.roll();
    this.used += 1;
  }

  snapshot(): { limit: number; remaining: number; reset: number; used: number } {
    this.roll();
    return {
      limit: this.limit,
      remaining: Math.max(this.limit - this.used, 0),
      reset: Math.ceil(this.resetAt / 1000),
      used: this.used,
    };
  }

  headers(): Record<string, string> {
    const s = this.snapshot();
    return {
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': String(s.reset),
      'x-ratelimit-used': String(s.used),
      'x-ratelimit-resource': 'core',
    };
  }

  /** The body of GET /rate_limit. */
  overview(): Record<string, unknown> {
    const core = this.snapshot();
    const other = (limit: number) => ({ limit, remaining: limit, reset: core.reset, used: 0 });
    return {
      resources: { core, search: other(30), graphql: other(5000), integration_manifest: other(5000) },
      rate: core,
    };
  }

  private roll(): void {
    if (Date.now() >= this.resetAt) {
      this.used = 0;
      this.resetAt = Date.now() + HOUR_MS;
    }
  }
}
