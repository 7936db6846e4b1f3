/** A tiny router for the local GitHub API: routes are `METHOD /path/{param}` patterns. */

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ApiReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (request: ApiRequest) => ApiReply;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

export const DOCS = 'https://docs.github.com/rest';

/** An answer shaped like GitHub's errors: `{ message, documentation_url, status }`. */
export function errorReply(status: number, message: string, extra: Record<string, unknown> = {}): ApiReply {
  return { status, body: { message, documentation_url: DOCS, status: String(status), ...extra } };
}

export const notFound = (): ApiReply => errorReply(404, 'Not Found');

export const json = (body: unknown, status = 200): ApiReply => ({ status, body });

export class Router {
  private readonly routes: Route[] = [];

  /**
   * `{name}` matches one path segment; `{name+}` matches the rest of the path (refs may contain "/").
   * A pattern's segments are matched after URL-decoding each.
   */
  add(method: string, template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template.replace(/\{(\w+)(\+?)\}/g, (_, name: string, rest: string) => {
      names.push(name);
      return rest ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

/** Reads an object body field as a string when it is one. */
export function stringField(body: unknown, key: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

export function field(body: unknown, key: string): unknown {
  if (!body || typeof body !== 'object') return undefined;
  return (body as Record<string, unknown>)[key];
}

/** GitHub's validation error: 422 with an errors list. */
export function invalid(message: string, resource: string, fieldName: string): ApiReply {
  return errorReply(422, message, { errors: [{ resource, field: fieldName, code: 'invalid' }] });
}

export function pageOf<T>(items: readonly T[], query: URLSearchParams): T[] {
  const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  return items.slice((page - 1) * perPage, page * perPage);
}

/** The RFC 5988 Link header GitHub sends on paginated lists (Octokit's paginate follows rel="next"). */
export function linkHeader(
  baseUrl: string,
  path: string,
  query: URLSearchParams,
  total: number,
): string | undefined {
  const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(total / perPage), 1);
  const link = (p: number, rel: string): string => {
    const q = new URLSearchParams(query);
    q.set('page', String(p));
    q.set('per_page', String(perPage));
    return `<${baseUrl}${path}?${q.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page < last) parts.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) parts.push(link(1, 'first'), link(page - 1, 'prev'));
  return parts.length > 0 ? parts.join(', ') : undefined;
}
