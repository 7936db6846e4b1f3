import type { Gateway } from './gateway.js';
import type { ParsedBody } from './http.js';
import type { InteractionStore } from './interactions.js';
import type { DiscordState } from './state.js';

/** What route handlers share. */
export interface ServerContext {
  state: DiscordState;
  interactions: InteractionStore;
  gateway: Gateway;
  /** `http://127.0.0.1:PORT` */
  origin: () => string;
  log: (line: string) => void;
}

export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: ParsedBody;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: string;
  /** Path template relative to `/api/v10`, e.g. `/channels/:channel/messages`. Also the rate-limit bucket. */
  template: string;
  /** `bot`: needs `Authorization: Bot <token>`; `token`: authorised by the interaction token in the path. */
  auth: 'bot' | 'token';
  handler: (req: RouteRequest) => RouteResult | Promise<RouteResult>;
  regex: RegExp;
  keys: string[];
}

export function route(
  method: string,
  template: string,
  auth: Route['auth'],
  handler: Route['handler'],
): Route {
  const keys: string[] = [];
  const pattern = template
    .split('/')
    .map((part) => {
      // discord.js encodes `@me` as `%40me`; Discord accepts both.
      if (!part.startsWith(':'))
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/@/g, '(?:@|%40)');
      keys.push(part.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { method, template, auth, handler, regex: new RegExp(`^${pattern}/?$`), keys };
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | 'method' | null {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route: r, params };
  }
  return pathMatched ? 'method' : null;
}

export const ok = (body?: unknown): RouteResult =>
  body === undefined ? { status: 204 } : { status: 200, body };
