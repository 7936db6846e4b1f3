import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Driver } from './driver.js';
import { ServerFaults } from './faults.js';
import { Gateway } from './gateway.js';
import { DiscordHttpError, parseBody, RateLimits, readRaw, sendJson, type RouteMatcher } from './http.js';
import { InteractionStore } from './interactions.js';
import { allRoutes } from './rest-routes.js';
import { matchRoute, type ServerContext } from './router.js';
import { DiscordState } from './state.js';
import type { LocalDiscordOptions } from './types.js';

const API_PREFIX = '/api/v10';

/** The local Discord server: REST under `apiUrl`, the gateway on the same port, and the driver API. */
export class LocalDiscord extends Driver {
  readonly driver: Driver = this;

  constructor(
    state: DiscordState,
    interactions: InteractionStore,
    gateway: Gateway,
    rateLimits: RateLimits,
    /** `http://127.0.0.1:PORT/api`, what discord.js takes as `rest.api`. */
    readonly apiUrl: string,
    /** `ws://127.0.0.1:PORT` */
    readonly gatewayUrl: string,
    readonly port: number,
    private readonly shutdown: () => Promise<void>,
    private readonly faults: ServerFaults = new ServerFaults(),
  ) {
    super(state, interactions, gateway, rateLimits);
    this.apiBase = apiUrl;
  }

  /**
   * The next `times` requests matching `matcher` (e.g. `PATCH /channels/1/messages/2`, or a RegExp on
   * "METHOD /path") are answered with `status` (500, 502, 503 or 504) and change nothing.
   */
  failNextRequests(matcher: RouteMatcher, status = 500, times = 1): void {
    this.faults.failNext(matcher, status, times);
  }

  /**
   * Like failNextRequests, but the request takes effect first and only its answer is a 5xx: a retried
   * message post must not make a second message (Discord's `enforce_nonce`).
   */
  failNextRequestsAfterEffect(matcher: RouteMatcher, status = 500, times = 1): void {
    this.faults.failNext(matcher, status, times, true);
  }

  /** Injected server errors answered so far, and those still waiting for a request. */
  injectedFailures(): { served: number; pending: number } {
    return { served: this.faults.served, pending: this.faults.pending };
  }

  get appId(): string {
    return this.state.appId;
  }

  get guildId(): string {
    return this.state.guildId;
  }

  get opsChannelId(): string {
    return this.state.opsChannelId;
  }

  /**
   * Sets a permission overwrite on a channel (the ops channel unless given), e.g. denying the bot's role or
   * @everyone (the guild id) a permission there: what a misconfigured server looks like to `npm run doctor`.
   */
  setChannelOverwrite(
    overwrite: { id: string; type: 0 | 1; allow?: bigint; deny?: bigint },
    channelId = this.state.opsChannelId,
  ): void {
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`local Discord: no channel ${channelId}`);
    const rest = (channel.overwrites ?? []).filter((o) => o.id !== overwrite.id);
    channel.overwrites = [
      ...rest,
      { id: overwrite.id, type: overwrite.type, allow: overwrite.allow ?? 0n, deny: overwrite.deny ?? 0n },
    ];
  }

  /** Deletes a role from the guild (and from every member that had it). */
  deleteRole(roleId: string): void {
    if (roleId === this.state.guildId) throw new Error('local Discord: @everyone cannot be deleted');
    this.state.roles.delete(roleId);
    for (const member of this.state.members.values())
      member.roleIds = member.roleIds.filter((id) => id !== roleId);
  }

  /** The thread started from `messageId`, as Discord would show it (undefined when there is none). */
  thread(messageId: string): { name: string; autoArchiveDuration: number } | undefined {
    const channel = this.state.channels.get(messageId);
    return channel?.type === 11
      ? { name: channel.name, autoArchiveDuration: channel.autoArchiveDuration ?? 1440 }
      : undefined;
  }

  /** Closes every socket and the server. */
  close(): Promise<void> {
    return this.shutdown();
  }
}

export async function startLocalDiscord(options: LocalDiscordOptions): Promise<LocalDiscord> {
  const log = options.log ?? (() => undefined);
  const state = new DiscordState(options);
  const interactions = new InteractionStore(state);
  const rateLimits = new RateLimits();
  const faults = new ServerFaults();
  let origin = '';
  const gateway = new Gateway(state, () => origin.replace(/^http/, 'ws'), log);
  const ctx: ServerContext = { state, interactions, gateway, origin: () => origin, log };
  const routes = allRoutes(ctx);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const attachment = /^\/attachments\/(\d+)\/(\d+)\/[^/]+$/.exec(url.pathname);
    if (attachment && method === 'GET') {
      const file = [...state.messages.values()]
        .flatMap((r) => r.message.attachments.map((a, i) => ({ a, f: r.files[i] })))
        .find(({ a }) => a.id === attachment[2])?.f;
      if (!file) {
        sendJson(res, 404, { message: '404: Not Found', code: 0 });
        return;
      }
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.size }).end(file.content);
      return;
    }
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
      sendJson(res, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    const path = url.pathname.slice(API_PREFIX.length);
    const found = matchRoute(routes, method, path);
    if (found === null) {
      sendJson(res, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    if (found === 'method') {
      sendJson(res, 405, { message: '405: Method Not Allowed', code: 0 });
      return;
    }
    const raw = await readRaw(req);
    if (found.route.auth === 'bot' && req.headers.authorization !== `Bot ${options.botToken}`) {
      sendJson(res, 401, { message: '401: Unauthorized', code: 0 });
      return;
    }
    const limit = rateLimits.check(method, path, found.route.template);
    if (limit.limited) {
      sendJson(res, 429, limit.limited.body, limit.headers);
      return;
    }
    const fault = faults.take(method, path);
    if (fault) {
      sendJson(res, fault.status, fault.body);
      return;
    }
    try {
      const body = parseBody(req.headers['content-type'], raw);
      const result = await found.route.handler({ params: found.params, query: url.searchParams, body });
      const late = faults.take(method, path, true);
      if (late) {
        sendJson(res, late.status, late.body);
        return;
      }
      sendJson(res, result.status, result.body, limit.headers);
    } catch (error) {
      if (error instanceof DiscordHttpError) {
        sendJson(res, error.status, error.toJSON(), limit.headers);
        return;
      }
      throw error;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res)
      .catch((error: unknown) => {
        if (error instanceof DiscordHttpError) {
          sendJson(res, error.status, error.toJSON());
          return;
        }
        log(
          `rest: ${req.method ?? '?'} ${req.url ?? '?'} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        if (!res.headersSent) sendJson(res, 500, { message: '500: Internal Server Error', code: 0 });
      })
      .finally(() => {
        state.events.emit('request', {
          method: req.method ?? '?',
          path: req.url ?? '?',
          status: res.statusCode,
        });
      });
  });
  server.on('upgrade', (req, socket, head) => {
    gateway.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  log(`local Discord listening on ${origin}`);

  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> =>
    (closing ??= (async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    })());
  return new LocalDiscord(
    state,
    interactions,
    gateway,
    rateLimits,
    `${origin}/api`,
    origin.replace(/^http/, 'ws'),
    port,
    shutdown,
    faults,
  );
}
