import { generateKeyPairSync, randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { runMigrations } from '../adapters/mongo/migrations.js';
import { loadConfig, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startLocalDiscord, type LocalDiscord } from './discord/index.js';
import { createServer as createNetServer } from 'node:net';
import {
  startLocalGitHub,
  type LocalGitHub,
  type LocalGitHubOptions,
  type RunTiming,
} from './github/index.js';
import { startMongo, type RunningMongo } from './mongo-server.js';
import {
  startSandboxServices,
  wireSandboxServices,
  type SandboxServices,
  type ServiceRoute,
} from './services.js';
import { findPrometheus, LocalPrometheus } from './prometheus.js';

/** Fixed identities of the sandbox bot: nothing here is a secret, the servers they open run on 127.0.0.1. */
export const SANDBOX_APP_ID = '990000000000000900';
export const SANDBOX_DISCORD_TOKEN = 'sandbox-discord-token.local-only';
export const SANDBOX_GITHUB_TOKEN = 'sandbox-github-token';
export const SANDBOX_GITHUB_APP_ID = '990900';
export const SANDBOX_GITHUB_INSTALLATION_ID = '990901';

/** Runs finish in seconds in the sandbox, so a deploy can be watched end to end. */
export const SANDBOX_RUN_TIMING: RunTiming = { queuedMs: 300, inProgressMs: 1500 };

export interface StandInsOptions {
  /** The configuration file the bot will use; the stand-ins are seeded from it. */
  configFile: string;
  /** An existing MongoDB server (MONGODB_URI); otherwise one is started. */
  mongoUri?: string | undefined;
  /** Database name for the bot (default: a fresh `release_console_sandbox_<hex>`). */
  dbName?: string;
  /** Apply the migrations to that database before the bot starts (default true, as a release does). */
  migrate?: boolean;
  log?: Logger;
  runTiming?: Partial<RunTiming>;
  /** PORT for the bot's HTTP server (default 0: any free port). */
  httpPort?: number;
  logLevel?: string;
  /**
   * How the bot authenticates to the local GitHub API: a token (default), or as a GitHub App (a key pair
   * made for this run; the bot gets the private key, base64 encoded, and mints installation tokens).
   */
  githubAuth?: 'token' | 'app';
  /** App mode: how long an installation token lives (GitHub: an hour). */
  installationTokenTtlMs?: number;
  /**
   * GitHub environments with the bot's App as their deployment protection rule (§16): jobs targeting them
   * wait for its answer, and the local GitHub sends webhooks (signed, with a secret made for this run) to
   * the bot's /github/webhook. Answers need the App (`githubAuth: 'app'`), as on GitHub.
   */
  protectedEnvironments?: readonly string[];
  /**
   * The local GitHub sends signed webhooks (push, check_suite, status, workflow_run) to the bot's
   * /github/webhook, as a real repository's webhook does; the bot's HTTP port is then fixed up front.
   */
  webhooks?: boolean;
  /**
   * Start a real Prometheus scraping the services (rollout analysis, §15) when one is installed: `true`
   * (npm start), `'require'` (a test that needs it: throws without it), or off (default).
   */
  prometheus?: boolean | 'require';
}

/** A rate over the services' requests: what every rollout analysis of the sandbox reads. */
const SERVICES_HAVE_RATES = 'sum(rate(http_requests_total[5s]))';

/** The sandbox's webhook secret: it only ever signs deliveries from 127.0.0.1 to 127.0.0.1. */
export const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';

export interface StandIns {
  /** The environment for `main()` (or a child process running src/main.ts). */
  readonly env: Record<string, string>;
  readonly config: Config;
  readonly discord: LocalDiscord;
  readonly github: LocalGitHub;
  readonly services: SandboxServices;
  readonly mongo: RunningMongo;
  /** The real Prometheus scraping the services, when one was started. */
  readonly prometheus?: LocalPrometheus;
  /** Closes everything in reverse order of start. */
  stop(): Promise<void>;
}

/** Thrown when the stand-ins cannot start; the message says what to change. */
export class StandInError extends Error {
  override readonly name = 'StandInError';
}

/**
 * Starts, on 127.0.0.1 only: MongoDB, the local Discord server (guild, ops channel and roles from the config;
 * users alice R4, bob R5, carol R5, dave), the local GitHub API (every repo in `services`) and the services'
 * health endpoints (on the port the config's health URLs name).
 */
export async function startStandIns(options: StandInsOptions): Promise<StandIns> {
  const config = loadConfig({ CONFIG_FILE: options.configFile });
  const healthPort = healthPortOf(config);
  const routes = healthRoutes(config);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        options.log?.warn({ err: error }, 'sandbox: a stand-in did not stop cleanly');
      }
    }
    stops.length = 0;
  };
  try {
    const services = await startServices(routes, healthPort, options.configFile);
    stops.push(() => services.close());
    // Progressive rollouts (§15) read metrics from a real Prometheus scraping the services' synthetic traffic.
    let prometheus: LocalPrometheus | undefined;
    if (options.prometheus && (options.prometheus === 'require' || findPrometheus())) {
      const started = await LocalPrometheus.start({
        targets: [new URL(services.url).host],
        scrapeInterval: '1s',
      });
      prometheus = started;
      stops.push(() => started.stop());
      // The bot starts once the services' request rates can be read: a rollout analysed in the first seconds
      // would otherwise read no data and roll back a healthy canary.
      await started.waitForData(SERVICES_HAVE_RATES).catch((error: unknown) => {
        if (options.prometheus === 'require') throw error;
        options.log?.warn(
          { err: error },
          'sandbox: Prometheus has no request rates yet; rollouts may fail closed',
        );
      });
    }

    const mongo = await startMongo({
      mongodbUri: options.mongoUri,
      ...(options.log ? { log: options.log } : {}),
    });
    stops.push(() => mongo.stop());
    const dbName = options.dbName ?? `release_console_sandbox_${randomBytes(4).toString('hex')}`;
    const mongoUri = withDatabase(mongo.uri, dbName);
    if (mongo.kind === 'external') stops.push(() => dropDatabase(mongoUri));
    // As a release does before the bot starts (fly.toml's release_command): the indexes the bot relies on
    // (one lock per env, one claim per webhook delivery …) exist in the sandbox too.
    if (options.migrate !== false) await migrate(mongoUri, options.log);

    const guild = config.discord.guilds[0];
    if (!guild) throw new StandInError(`${options.configFile}: discord.guilds is empty`);
    const discordLog = options.log?.child({ component: 'local-discord' });
    const discord = await startLocalDiscord({
      appId: SANDBOX_APP_ID,
      botToken: SANDBOX_DISCORD_TOKEN,
      guild: {
        id: guild.id,
        name: guild.name ?? 'Release Console Sandbox',
        channelId: config.discord.opsChannelId,
        roles: config.discord.roles,
      },
      ...(discordLog
        ? {
            log: (line: string) => {
              discordLog.debug(line);
            },
          }
        : {}),
    });
    stops.push(() => discord.close());

    const serviceRepos = Object.fromEntries(
      Object.entries(config.services).map(([name, s]) => [s.repo, name]),
    );
    const workflows = new Set(['deploy.yml', 'smoke.yml']);
    for (const service of Object.values(config.services)) {
      workflows.add(service.workflow);
      if (service.smokeWorkflow) workflows.add(service.smokeWorkflow);
    }
    const app = options.githubAuth === 'app' ? sandboxApp() : undefined;
    const protection = await protectionOf(options);
    const httpPort =
      protection?.httpPort ??
      (options.webhooks && !options.httpPort ? await freeLoopbackPort() : options.httpPort);
    const webhookSecret = protection?.secret ?? (options.webhooks ? SANDBOX_WEBHOOK_SECRET : undefined);
    const github = await startLocalGitHub({
      ...protection?.github,
      ...(options.webhooks && !protection
        ? {
            webhook: {
              url: `http://127.0.0.1:${httpPort ?? 0}/github/webhook`,
              secret: SANDBOX_WEBHOOK_SECRET,
            },
          }
        : {}),
      repos: Object.keys(serviceRepos),
      workflows: [...workflows],
      timing: { ...SANDBOX_RUN_TIMING, ...options.runTiming },
      ...(app
        ? {
            app: {
              appId: Number(SANDBOX_GITHUB_APP_ID),
              installationId: Number(SANDBOX_GITHUB_INSTALLATION_ID),
              publicKey: app.publicKey,
              ...(options.installationTokenTtlMs ? { tokenTtlMs: options.installationTokenTtlMs } : {}),
            },
          }
        : { token: SANDBOX_GITHUB_TOKEN }),
    });
    stops.push(() => github.close());
    const unwire = wireSandboxServices(github, services, serviceRepos);
    stops.push(() => {
      unwire();
      return Promise.resolve();
    });

    const env: Record<string, string> = {
      DISCORD_TOKEN: SANDBOX_DISCORD_TOKEN,
      DISCORD_APP_ID: SANDBOX_APP_ID,
      DISCORD_API_URL: discord.apiUrl,
      // The bot answers POST /discord/interactions too; the local Discord uses it once an endpoint is set.
      DISCORD_PUBLIC_KEY: discord.interactionsPublicKey,
      ...(app
        ? {
            GITHUB_APP_ID: SANDBOX_GITHUB_APP_ID,
            GITHUB_APP_PRIVATE_KEY: Buffer.from(app.privateKey).toString('base64'),
            GITHUB_APP_INSTALLATION_ID: SANDBOX_GITHUB_INSTALLATION_ID,
          }
        : { GITHUB_TOKEN: SANDBOX_GITHUB_TOKEN }),
      GITHUB_API_URL: github.url,
      MONGODB_URI: mongoUri,
      PORT: String(httpPort ?? 0),
      ...(webhookSecret ? { GITHUB_WEBHOOK_SECRET: webhookSecret } : {}),
      CONFIG_FILE: options.configFile,
      LOG_LEVEL: options.logLevel ?? 'info',
      ...(prometheus ? { PROMETHEUS_URL: prometheus.url } : {}),
    };
    return {
      env,
      config,
      discord,
      github,
      services,
      mongo,
      ...(prometheus ? { prometheus } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The local GitHub's protected environments and the webhook to the bot that they need. */
async function protectionOf(options: StandInsOptions): Promise<
  | {
      github: Pick<LocalGitHubOptions, 'environments' | 'webhook'>;
      httpPort: number;
      secret: string;
    }
  | undefined
> {
  const envs = options.protectedEnvironments ?? [];
  if (envs.length === 0) return undefined;
  const httpPort = options.httpPort || (await freeLoopbackPort());
  const secret = randomBytes(16).toString('hex');
  return {
    github: {
      environments: Object.fromEntries(envs.map((env) => [env, { protectionRule: true }])),
      webhook: { url: `http://127.0.0.1:${httpPort}/github/webhook`, secret },
    },
    httpPort,
    secret,
  };
}

/** A port on 127.0.0.1 that was free a moment ago (the bot's HTTP server must be known to the webhook). */
export async function freeLoopbackPort(): Promise<number> {
  // Below Linux's ephemeral range (32768–60999): a port the OS hands out for "port 0" to another process in
  // the moment between this check and the bot's listen would make the bot's start fail.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port for the bot among 50 tried in 20000–29999');
}

function canListen(port: number): Promise<boolean> {
  const server = createNetServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** A key pair for the sandbox's GitHub App, made fresh each run (it only ever signs for 127.0.0.1). */
function sandboxApp(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** One route per environment that has a health URL. */
export function healthRoutes(config: Config): ServiceRoute[] {
  return Object.entries(config.services).flatMap(([service, s]) =>
    s.environments.flatMap((env) =>
      env.healthUrl ? [{ service, env: env.name, path: new URL(env.healthUrl).pathname }] : [],
    ),
  );
}

/** The loopback port every health URL names; the sandbox answers them all on that one port. */
export function healthPortOf(config: Config): number | undefined {
  const origins = new Set<string>();
  for (const service of Object.values(config.services))
    for (const env of service.environments) if (env.healthUrl) origins.add(new URL(env.healthUrl).origin);
  if (origins.size === 0) return undefined;
  const [origin] = [...origins];
  const url = new URL(origin ?? '');
  if (origins.size > 1 || !['127.0.0.1', 'localhost'].includes(url.hostname) || !url.port) {
    throw new StandInError(
      `${config.configFile}: the sandbox answers health URLs on one loopback port; found ${[...origins].join(', ')}`,
    );
  }
  return Number(url.port);
}

async function startServices(
  routes: readonly ServiceRoute[],
  port: number | undefined,
  configFile: string,
): Promise<SandboxServices> {
  try {
    return await startSandboxServices({ routes, ...(port === undefined ? {} : { port }) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StandInError(
        `port ${port ?? 0} on 127.0.0.1 is in use: the sandbox answers the health URLs of ${configFile} there. ` +
          'Stop whatever uses it, or point CONFIG_FILE at a copy whose healthUrls use a free port.',
      );
    }
    throw error;
  }
}

/** Puts `dbName` in the path of a MongoDB URI, keeping its options. */
export function withDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match?.[1]) throw new StandInError('MONGODB_URI is not a mongodb:// URI');
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

/** Drops the sandbox's own database on a server that outlives the sandbox (bounded: never blocks a stop). */
async function migrate(uri: string, log: Logger | undefined): Promise<void> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 3_000 });
  try {
    await connection.asPromise();
    if (!connection.db) throw new StandInError('the sandbox MongoDB connection has no database');
    await runMigrations({ db: connection.db, log: log ?? pino({ level: 'silent' }) });
  } finally {
    await connection.close();
  }
}

async function dropDatabase(uri: string): Promise<void> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 3_000 });
  try {
    await connection.asPromise();
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}
