import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiReply } from './http.js';
import type { RateLimit } from './rate-limit.js';

const MAX_BODY = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

/**
 * Writes a reply with GitHub's headers: a weak ETag on GET answers (304 when If-None-Match matches) and the
 * rate-limit headers. A 304, /rate_limit and a 401 do not count against the limit, as on GitHub.
 */
export function writeReply(
  res: ServerResponse,
  method: string,
  path: string,
  reply: ApiReply,
  ifNoneMatch: string | undefined,
  rate: RateLimit,
): { status: number; notModified: boolean } {
  let notModified = false;
  const headers: Record<string, string> = {
    'x-github-request-id': randomUUID().slice(0, 18).toUpperCase(),
    'x-github-api-version-selected': '2022-11-28',
    ...reply.headers,
  };
  let payload: string | undefined = reply.body === undefined ? undefined : JSON.stringify(reply.body);
  if (method === 'GET' && reply.status === 200 && payload !== undefined) {
    const etag = `W/"${createHash('sha1').update(payload).digest('hex')}"`;
    headers.etag = etag;
    if (ifNoneMatch === etag) {
      notModified = true;
      payload = undefined;
    }
  }
  if (!notModified && path !== '/rate_limit' && reply.status !== 401) rate.consume();
  const status = notModified ? 304 : reply.status;
  const rateHeaders = reply.headers?.['x-ratelimit-remaining'] === '0' ? {} : rate.headers();
  res.writeHead(status, {
    ...rateHeaders,
    ...headers,
    ...(payload !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
  });
  res.end(payload);
  return { status, notModified };
}
