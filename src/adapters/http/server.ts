import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean | string | number>;
}

export interface HttpHandlers {
  /** /readyz: MongoDB reachable, jobs started. */
  readiness(): Promise<Readiness>;
  /** POST /github/webhook, when configured: gets the raw body for signature checks. */
  githubWebhook?: (
    headers: IncomingMessage['headers'],
    body: string,
  ) => Promise<{ status: number; body?: string }>;
  /** GET /status and /status/*, when the web status page is enabled (§17). */
  statusPage?: (
    path: string,
    headers: IncomingMessage['headers'],
  ) => Promise<{ status: number; headers: Readonly<Record<string, string>>; body: string | Buffer }>;
  // HTTP interactions mode (SPEC §9): set when DISCORD_PUBLIC_KEY is.
  /** POST /discord/interactions: gets the raw body, whose signature covers it byte for byte. */
  discordInteractions?: (
    headers: IncomingMessage['headers'],
    body: string,
  ) => Promise<{ status: number; body: string }>;
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body of a POST (the webhooks' only method), or undefined once the refusal (405, 413) was sent. */
async function postedBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  if (req.method !== 'POST') {
    send(res, 405, JSON.stringify({ error: 'method not allowed' }));
    return undefined;
  }
  const body = await readBody(req);
  if (body === undefined) send(res, 413, JSON.stringify({ error: 'payload too large' }));
  return body;
}

/** /healthz, /readyz, /metrics, /github/webhook and /discord/interactions (SPEC §9) on 0.0.0.0:port (or host). */
export async function startHttpServer(options: {
  port: number;
  host?: string;
  metrics: Metrics;
  handlers: HttpHandlers;
  log: Logger;
}): Promise<HttpServer> {
  const { metrics, handlers, log } = options;
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      send(res, 200, JSON.stringify({ status: 'ok' }));
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      const readiness = await handlers.readiness();
      send(
        res,
        readiness.ready ? 200 : 503,
        JSON.stringify({ status: readiness.ready ? 'ready' : 'not ready', ...readiness.checks }),
      );
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
      return;
    }
    if (path === '/github/webhook' && handlers.githubWebhook) {
      const body = await postedBody(req, res);
      if (body === undefined) return;
      const answer = await handlers.githubWebhook(req.headers, body);
      send(res, answer.status, answer.body ?? '');
      return;
    }
    if (handlers.statusPage && (path === '/status' || path?.startsWith('/status/'))) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, JSON.stringify({ error: 'method not allowed' }));
        return;
      }
      const answer = await handlers.statusPage(path, req.headers);
      res.writeHead(answer.status, answer.headers);
      res.end(req.method === 'HEAD' ? undefined : answer.body);
      return;
    }
    if (path === '/discord/interactions' && handlers.discordInteractions) {
      const body = await postedBody(req, res);
      if (body === undefined) return;
      const answer = await handlers.discordInteractions(req.headers, body);
      send(res, answer.status, answer.body, answer.status === 200 ? 'application/json' : 'text/plain');
      return;
    }
    send(res, 404, JSON.stringify({ error: 'not found' }));
  };
  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'http handler failed');
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'internal error' }));
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'http server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
