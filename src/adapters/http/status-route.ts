import type { IncomingHttpHeaders } from 'node:http';
import type { AppDeps } from '../../app/ports/deps.js';
import { readStatusPage, type StatusPageData } from '../../app/status/page.js';
import { renderDoraPng, renderDoraSvg } from '../charts/dora-chart.js';
import { bearerMatches, renderStatusPage, STATUS_PAGE_CSP } from './status-page.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

/** A page is read at most this often: a busy screen on the wall must not load MongoDB. */
const FRESH_MS = 5_000;

const COMMON = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': STATUS_PAGE_CSP,
};

/** `GET /status` and `GET /status/chart.png`; with a token, only `Authorization: Bearer <token>` gets in. */
export function createStatusPageHandler(
  deps: AppDeps,
  options: { token?: string | undefined },
): (path: string, headers: IncomingHttpHeaders) => Promise<HttpAnswer> {
  let cached: { at: number; data: Promise<StatusPageData> } | undefined;
  const data = (): Promise<StatusPageData> => {
    const now = Date.now();
    if (!cached || now - cached.at > FRESH_MS) {
      const read = readStatusPage(deps);
      cached = { at: now, data: read };
      // A failed read is not kept: the next request tries again.
      read.catch(() => {
        if (cached?.data === read) cached = undefined;
      });
    }
    return cached.data;
  };
  return async (path, headers) => {
    if (options.token !== undefined && !bearerMatches(headers, options.token)) {
      return {
        status: 401,
        headers: { ...COMMON, 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' },
        body: 'This status page needs Authorization: Bearer <token>.\n',
      };
    }
    if (path === '/status' || path === '/status/') {
      const page = await data();
      let chartSvg: string | undefined;
      try {
        chartSvg = await renderDoraSvg(page.stats.figures);
      } catch (error) {
        deps.log.warn({ err: error }, 'status page chart could not be rendered');
      }
      const html = renderStatusPage(page, {
        timeZone: deps.config.timezone,
        ...(chartSvg ? { chartSvg } : {}),
      });
      return { status: 200, headers: { ...COMMON, 'content-type': 'text/html; charset=utf-8' }, body: html };
    }
    if (path === '/status/chart.png') {
      const png = await renderDoraPng((await data()).stats.figures);
      return { status: 200, headers: { ...COMMON, 'content-type': 'image/png' }, body: png };
    }
    return {
      status: 404,
      headers: { ...COMMON, 'content-type': 'text/plain; charset=utf-8' },
      body: 'Not found.\n',
    };
  };
}
