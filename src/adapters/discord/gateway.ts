import { REST } from '@discordjs/rest';
import { Client, Events, GatewayIntentBits, Routes, type Interaction } from 'discord.js';
import type { Logger } from '../../logger.js';
import type { RegisteredCommand } from './command.js';
import { createInFlight } from '../in-flight.js';

export interface DiscordGateway {
  /**
   * Defect 12: everything a login needs short of the session itself (the client built, the gateway URL
   * fetched), done before the lease is asked for, so taking over costs only the WebSocket handshake.
   */
  prepare(): Promise<void>;
  /** Logs in to the gateway and resolves once the client is ready. */
  connect(): Promise<void>;
  /** Stops taking interactions (new ones are ignored; Discord shows them as failed). */
  stopAccepting(): void;
  /** Resolves once every interaction handler that started has finished, or the timeout passes. */
  drain(timeoutMs: number): Promise<void>;
  disconnect(): Promise<void>;
  ping(): number | undefined;
  readonly connected: boolean;
}

export interface DiscordRestOptions {
  token: string;
  /** The REST API base, e.g. http://127.0.0.1:PORT/api for the local Discord server; Discord's by default. */
  api?: string;
}

export function createRest(options: DiscordRestOptions): REST {
  return new REST({ version: '10', ...(options.api ? { api: options.api } : {}) }).setToken(options.token);
}

export type RegistrationChange = 'created' | 'updated' | 'unchanged';

/** Keys Discord adds to what it stores, or fills with a default; they say nothing about a change. */
const STORED_ONLY = new Set([
  'id',
  'application_id',
  'guild_id',
  'version',
  'dm_permission',
  'nsfw',
  'integration_types',
  'name_localizations',
  'description_localizations',
  'name_localized',
  'description_localized',
]);

/** A command reduced to what the bot declares: defaults (false, null, empty) and stored-only keys dropped. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .filter(([key, v]) => !STORED_ONLY.has(key) && v !== false && v !== null && v !== undefined)
    .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
    .map(([key, v]) => [key, canonical(v)] as const)
    .sort(([x], [y]) => x.localeCompare(y));
  return Object.fromEntries(entries);
}

function comparable(command: object): string {
  return JSON.stringify(canonical({ type: 1, ...command }));
}

/**
 * Registers the commands in each configured guild, in order (staging guild first), never globally. Every
 * command is guild-only (`contexts: [0]`). Reports per guild and command what changed since the last start.
 */
export async function registerCommands(options: {
  rest: REST;
  appId: string;
  guildIds: readonly string[];
  commands: readonly RegisteredCommand[];
  log: Logger;
}): Promise<Record<string, Record<string, RegistrationChange>>> {
  const body = options.commands.map((command) => ({
    ...command.data,
    contexts: command.data.contexts ?? [0],
  }));
  const report: Record<string, Record<string, RegistrationChange>> = {};
  for (const guildId of options.guildIds) {
    const route = Routes.applicationGuildCommands(options.appId, guildId);
    const before = (await options.rest.get(route)) as Record<string, unknown>[];
    const known = new Map(before.map((c) => [String(c.name), comparable(c)]));
    const changes: Record<string, RegistrationChange> = {};
    for (const command of body) {
      const was = known.get(command.name);
      changes[command.name] =
        was === undefined ? 'created' : was === comparable(command) ? 'unchanged' : 'updated';
    }
    await options.rest.put(route, { body });
    report[guildId] = changes;
    options.log.info({ guildId, count: body.length, changes }, 'commands registered');
  }
  return report;
}

/**
 * Runs an event handler so that nothing it throws, at once or later, ends the process: one malformed
 * interaction is logged and the bot goes on serving everyone else.
 */
export async function handleSafely(run: () => Promise<void>, log: Logger): Promise<void> {
  try {
    await run();
  } catch (error) {
    log.error({ err: error }, 'event handler failed');
  }
}

/**
 * discord.js builds the Interaction before our listener runs, inside its own packet handler: a payload it
 * cannot build from (no `member` and no `user`) throws there, out of the WebSocket's message event. Such
 * a packet is dropped and logged; well-formed ones go on as usual.
 */
function dropMalformedInteractions(client: Client, log: Logger): void {
  const actions = (
    client as unknown as { actions?: { InteractionCreate?: { handle(data: unknown): unknown } } }
  ).actions;
  const action = actions?.InteractionCreate;
  if (!action) return;
  const handle = action.handle.bind(action);
  action.handle = (data: unknown): unknown => {
    try {
      return handle(data);
    } catch (error) {
      const { id, type } = (data ?? {}) as { id?: unknown; type?: unknown };
      log.warn({ err: error, interactionId: id, type }, 'malformed interaction dropped');
      return undefined;
    }
  };
}

/** How long a prefetched gateway URL stands in for the login's own fetch. */
const PREFETCH_FRESH_MS = 10 * 60_000;

/** The single discord.js gateway connection (§9): only the instance holding the lease calls connect(). */
export function createGateway(options: {
  rest: DiscordRestOptions;
  onInteraction: (interaction: Interaction) => Promise<void>;
  log: Logger;
}): DiscordGateway {
  const { log } = options;
  let client: Client | undefined;
  let prepared: Client | undefined;
  let accepting = true;
  const inFlight = createInFlight();

  const build = (): Client => {
    const created = new Client({
      intents: [GatewayIntentBits.Guilds],
      ...(options.rest.api ? { rest: { api: options.rest.api } } : {}),
    });
    dropMalformedInteractions(created, log);
    created.on(Events.InteractionCreate, (interaction) => {
      if (!accepting) return;
      inFlight.track(handleSafely(() => options.onInteraction(interaction), log));
    });
    created.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));
    created.on(Events.ShardDisconnect, (event) => log.warn({ code: event.code }, 'gateway disconnected'));
    return created;
  };

  return {
    get connected() {
      return client?.isReady() ?? false;
    },
    async prepare() {
      if (client || prepared) return;
      const created = build();
      created.rest.setToken(options.rest.token);
      const info = await created.rest.get(Routes.gatewayBot()).catch(async (error: unknown) => {
        await created.destroy();
        throw error;
      });
      const fetchedAt = Date.now();
      // The login asks for /gateway/bot first; answered from this fetch while it is fresh, the change-over
      // does not wait on a REST round trip (the URL does not change between a fetch and a login minutes on).
      const get = created.rest.get.bind(created.rest);
      created.rest.get = (route, request) =>
        route === Routes.gatewayBot() && Date.now() - fetchedAt < PREFETCH_FRESH_MS
          ? Promise.resolve(info)
          : get(route, request);
      prepared = created;
    },
    async connect() {
      if (client) return;
      accepting = true;
      const created = prepared ?? build();
      prepared = undefined;
      client = created;
      const ready = new Promise<void>((resolve) => created.once(Events.ClientReady, () => resolve()));
      await created.login(options.rest.token);
      await ready;
      log.info({ user: created.user?.tag }, 'gateway connected');
    },
    stopAccepting() {
      accepting = false;
    },
    drain: (timeoutMs) => inFlight.drain(timeoutMs),
    async disconnect() {
      const current = client ?? prepared;
      client = undefined;
      prepared = undefined;
      if (current) await current.destroy();
    },
    ping() {
      const ws = client?.ws.ping;
      return ws === undefined || ws < 0 ? undefined : ws;
    },
  };
}
