import { errorReply, type ApiReply } from './http.js';

export type RateLimitKind = 'primary' | 'secondary';

const HOUR_MS = 60 * 60 * 1000;

/** GitHub's core rate limit, counted per request, plus a test hook that forces limit answers. */
export class RateLimit {
  private used = 0;
  private resetAt = Date.now() + HOUR_MS;
  private forced: RateLimitKind[] = [];

  constructor(private readonly limit = 5000) {}

  /** The next `count` requests are answered 403 as if the limit were hit. */
  forceNext(count: number, kind: RateLimitKind): void {
    this.forced.push(...Array.from({ length: count }, () => kind));
  }

  /** A forced limit answer for this request, if one is due. */
  takeForced(): ApiReply | undefined {
    const kind = this.forced.shift();
    if (!kind) return undefined;
    if (kind === 'secondary') {
      return {
        ...errorReply(
          403,
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        ),
        headers: { 'retry-after': '1', ...this.headers() },
      };
    }
    const reset = Math.ceil(Date.now() / 1000) + 1;
    return {
      ...errorReply(
        403,
        'API rate limit exceeded for installation. Check out the documentation for more details.',
      ),
      headers: { ...this.headers(), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
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
