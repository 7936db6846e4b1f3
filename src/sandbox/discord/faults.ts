import { matchesRoute, type RouteMatcher } from './http.js';

/** What Discord's edge answers for a server-side failure (JSON, like its 500s; code 0). */
const SERVER_ERRORS: Readonly<Record<number, string>> = {
  500: '500: Internal Server Error',
  502: '502: Bad Gateway',
  503: '503: Service Unavailable',
  504: '504: Gateway Timeout',
};

/**
 * Server errors injected by tests: the next `times` requests matching a route are answered with a 5xx and
 * have no effect, as when Discord fails a request before applying it; or, with `after`, the request takes
 * effect and only its answer is lost (a 5xx from the edge after the message was created).
 */
export class ServerFaults {
  readonly #pending: { matcher: RouteMatcher; status: number; after: boolean }[] = [];
  /** How many injected failures have been answered so far. */
  served = 0;

  failNext(matcher: RouteMatcher, status: number, times: number, after = false): void {
    if (!(status in SERVER_ERRORS)) throw new Error(`local Discord: ${status} is not an injectable 5xx`);
    for (let i = 0; i < times; i++) this.#pending.push({ matcher, status, after });
  }

  /** The failure this request must get, if one is pending for it (taken once), before or after it applies. */
  take(
    method: string,
    path: string,
    after = false,
  ): { status: number; body: Record<string, unknown> } | undefined {
    const index = this.#pending.findIndex((f) => f.after === after && matchesRoute(f.matcher, method, path));
    if (index < 0) return undefined;
    const [fault] = this.#pending.splice(index, 1);
    const status = fault?.status ?? 500;
    this.served += 1;
    return { status, body: { message: SERVER_ERRORS[status] ?? 'Server Error', code: 0 } };
  }

  /** Failures still waiting for a matching request. */
  get pending(): number {
    return this.#pending.length;
  }
}
