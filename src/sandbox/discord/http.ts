import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject } from './form-errors.js';
import type { FormErrors } from './form-errors.js';
import { DiscordHttpError } from './http-error.js';
import { parseMultipart } from './multipart.js';

export { DiscordHttpError };
import type { UploadedFile } from './types.js';

const MAX_BODY_BYTES = 26 * 1024 * 1024;

export const invalidForm = (errors: FormErrors): DiscordHttpError =>
  new DiscordHttpError(400, 50035, 'Invalid Form Body', errors);
export const unknownMessage = (): DiscordHttpError => new DiscordHttpError(404, 10008, 'Unknown Message');
export const unknownChannel = (): DiscordHttpError => new DiscordHttpError(404, 10003, 'Unknown Channel');

export interface ParsedBody {
  /** The JSON body when it is an object (`{}` otherwise). */
  json: Record<string, unknown>;
  /** The JSON body as sent (arrays for bulk overwrites). */
  raw?: unknown;
  files: UploadedFile[];
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new DiscordHttpError(413, 40005, 'Request entity too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** JSON bodies and multipart uploads (`payload_json` plus `files[n]`), as discord.js sends them. */
export function parseBody(contentType: string | undefined, raw: Buffer): ParsedBody {
  if (raw.length === 0) return { json: {}, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    let json: Record<string, unknown> = {};
    const indexed: { index: number; file: UploadedFile }[] = [];
    for (const part of parseMultipart(contentType, raw)) {
      if (part.name === 'payload_json') json = parseJsonObject(part.data.toString('utf8'));
      else if (part.filename !== null) {
        const index = /^files\[(\d+)\]$/.exec(part.name)?.[1];
        indexed.push({
          index: index === undefined ? indexed.length : Number(index),
          file: {
            filename: part.filename,
            size: part.data.length,
            contentType: part.contentType ?? 'application/octet-stream',
            content: part.data,
          },
        });
      }
    }
    return { json, files: indexed.sort((a, b) => a.index - b.index).map((i) => i.file) };
  }
  const value = parseJson(raw.toString('utf8'));
  return { json: isObject(value) ? value : {}, raw: value, files: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.');
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  const value = parseJson(text);
  if (!isObject(value)) throw new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.');
  return value;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined || status === 204) {
    res.writeHead(status === 200 ? 204 : status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}

export type RouteMatcher = string | RegExp | ((route: { method: string; path: string }) => boolean);

function matches(matcher: RouteMatcher, method: string, path: string): boolean {
  if (typeof matcher === 'function') return matcher({ method, path });
  if (matcher instanceof RegExp) return matcher.test(`${method} ${path}`);
  const spaced = /^([A-Z]+) (.*)$/.exec(matcher);
  if (spaced) return spaced[1] === method && path.includes(spaced[2] ?? '');
  return path.includes(matcher);
}

/** Whether a request matches a test's route matcher (shared by the 429 and 5xx injections). */
export const matchesRoute = matches;

const LIMIT = 50;
const WINDOW_MS = 1000;

/** Discord-style per-route buckets (`x-ratelimit-*` headers) plus 429s injected by tests. */
export class RateLimits {
  readonly #windows = new Map<string, { start: number; count: number }>();
  readonly #injected: { matcher: RouteMatcher; retryAfter: number; global: boolean }[] = [];
  injectedServed = 0;

  /** `global`: the bot's global limit (Discord: `X-RateLimit-Global`, scope `global`, no bucket headers). */
  injectNext(matcher: RouteMatcher, retryAfterSeconds: number, global = false): void {
    this.#injected.push({ matcher, retryAfter: retryAfterSeconds, global });
  }

  /** Returns headers for a normal answer, or a 429 answer (headers + body) when the request must be refused. */
  check(
    method: string,
    path: string,
    bucketRoute: string,
  ): { headers: Record<string, string>; limited?: { retryAfter: number; body: Record<string, unknown> } } {
    const bucket = createHash('sha1').update(`${method} ${bucketRoute}`).digest('hex').slice(0, 16);
    const index = this.#injected.findIndex((i) => matches(i.matcher, method, path));
    if (index >= 0) {
      const [hit] = this.#injected.splice(index, 1);
      const retryAfter = hit?.retryAfter ?? 1;
      this.injectedServed += 1;
      if (hit?.global)
        return {
          headers: {
            'retry-after': String(Math.ceil(retryAfter)),
            'x-ratelimit-global': 'true',
            'x-ratelimit-scope': 'global',
          },
          limited: {
            retryAfter,
            body: { message: 'You are being rate limited.', retry_after: retryAfter, global: true },
          },
        };
      return {
        headers: {
          'retry-after': String(retryAfter),
          'x-ratelimit-limit': String(LIMIT),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': retryAfter.toFixed(3),
          'x-ratelimit-reset': ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
          'x-ratelimit-bucket': bucket,
          'x-ratelimit-scope': 'user',
        },
        limited: {
          retryAfter,
          body: { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
        },
      };
    }
    const key = `${method} ${path}`;
    const now = Date.now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count += 1;
    const resetAfter = Math.max(0, (window.start + WINDOW_MS - now) / 1000);
    const headers = {
      'x-ratelimit-limit': String(LIMIT),
      'x-ratelimit-remaining': String(Math.max(0, LIMIT - window.count)),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-reset': ((window.start + WINDOW_MS) / 1000).toFixed(3),
      'x-ratelimit-bucket': bucket,
    };
    if (window.count <= LIMIT) return { headers };
    const retryAfter = Number(resetAfter.toFixed(3));
    return {
      headers: { ...headers, 'retry-after': String(Math.ceil(resetAfter)), 'x-ratelimit-scope': 'user' },
      limited: {
        retryAfter,
        body: { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
      },
    };
  }
}
