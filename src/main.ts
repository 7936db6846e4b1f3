import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { buttons, commands, modals } from '../commands/index.js';
import { jobs } from '../jobs/index.js';
import cron from 'node-cron';
import type { AppDeps, InstanceInfo } from './app/ports/deps.js';
import { GatewayLeadership, LEASE_WATCH_MS, type Role } from './app/leadership.js';
import { isMaintenanceOn } from './app/settings.js';
import { RunWatch } from './app/deploys/track.js';
import { performEffect } from './app/pipeline/effects.js';
import { createOutboxRunner, sweepOutbox } from './app/pipeline/worker.js';
import { httpHealthChecker } from './adapters/http/health-checker.js';
import {
  createGateway,
  createRest,
  registerCommands,
  type DiscordGateway,
} from './adapters/discord/gateway.js';
import { createDiscordNotifier } from './adapters/discord/notifier.js';
import { createStatusBoardPoster } from './adapters/discord/status-board-poster.js';
import { createGitHubWebhookHandler } from './adapters/http/github-webhook.js';
import { createInteractionRouter } from './adapters/discord/router.js';
import { createGitHubClient } from './adapters/github/index.js';
import { createMetrics } from './adapters/http/metrics.js';
import { startHttpServer, type HttpServer } from './adapters/http/server.js';
import { createStatusPageHandler } from './adapters/http/status-route.js';
import { createDiscordInteractionsEndpoint } from './adapters/http/discord-interactions.js';
import { connectMongo, ping, watchMongo } from './adapters/mongo/connection.js';
import { createMongoRepositories } from './adapters/mongo/repositories.js';
import { pendingMigrations } from './adapters/mongo/migrations.js';
import { createScheduler, type Scheduler } from './adapters/scheduler/agenda.js';
import { ConfigError, githubCredentialsOf, loadConfig, MISSING_GITHUB_CREDENTIALS } from './config.js';
import { systemClock } from './domain/clock.js';
import { createLogger, type Logger } from './logger.js';
import { botVersion } from './version.js';
import { PrometheusMetrics } from './adapters/prometheus/client.js';

/** Everything a running instance holds, so it can be stopped in order. */
export interface RunningApp {
  readonly instanceId: string;
  readonly httpPort: number;
  readonly deps: AppDeps;
  /** Graceful stop (§9): no new interactions, in-flight ones finish, jobs drain, connections close. */
  stop(reason?: string): Promise<void>;
}

export interface MainOptions {
  /** Log destination; stdout by default. */
  logger?: Logger;
}

const STOP_BUDGET_MS = 8_000;

/** The composition root: reads the configuration, wires the real adapters, and starts the bot. */
export async function main(
  env: NodeJS.ProcessEnv = process.env,
  options: MainOptions = {},
): Promise<RunningApp> {
  const config = loadConfig(env);
  const log = options.logger ?? createLogger({ level: config.env.LOG_LEVEL });
  const instanceId = config.env.INSTANCE_ID ?? `${hostname()}-${randomUUID().slice(0, 6)}`;
  const metrics = createMetrics();
  if (!config.env.MONGODB_URI) throw new ConfigError(['env.MONGODB_URI: required']);
  if (!config.env.DISCORD_TOKEN || !config.env.DISCORD_APP_ID) {
    throw new ConfigError([
      'env.DISCORD_TOKEN: required to run the bot (npm start without it runs the sandbox)',
    ]);
  }

  // Never unauthenticated: a private repo would answer 404 and every ref would look like a typo.
  const credentials = githubCredentialsOf(config.env);
  if (!credentials) throw new ConfigError([MISSING_GITHUB_CREDENTIALS]);

  const connection = await connectMongo(config.env.MONGODB_URI, { log });
  const mongoTrouble = watchMongo(connection);
  const db = connection.db;
  if (!db) throw new Error('MongoDB connection has no database');
  // Fail closed: without its migrations the database lacks the unique indexes the bot's guarantees rest on.
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    await connection.close();
    throw new Error(
      `MongoDB: ${pending.length} migration${pending.length === 1 ? ' is' : 's are'} not applied (${pending.join(', ')}): run \`npm run migrate\` first (a release does it before the bot starts)`,
    );
  }
  const repos = createMongoRepositories(connection);
  const github = createGitHubClient({
    ...(config.env.GITHUB_API_URL ? { baseUrl: config.env.GITHUB_API_URL } : {}),
    ...(credentials.kind === 'app'
      ? {
          app: {
            appId: credentials.appId,
            privateKey: credentials.privateKey,
            installationId: credentials.installationId,
          },
        }
      : { token: credentials.token }),
    log: log.child({ component: 'github' }),
    userAgent: `release-console/${botVersion()}`,
    // No spacing between writes: a deploy makes a handful of them and the dispatch must not wait behind
    // another deploy's statuses. GitHub's secondary rate limits are still honoured (retry-after, throttling).
    timing: { writeSpacingMs: 0 },
  });

  // Created once the router (which needs deps) exists; read by /health through `instance`.
  const gatewayRef: { current?: DiscordGateway; leadership?: GatewayLeadership } = {};
  const role = (): Role => gatewayRef.leadership?.role ?? 'starting';
  const instance: InstanceInfo = {
    id: instanceId,
    boot: randomUUID(),
    version: botVersion(),
    startedAt: new Date(),
    role,
    gatewayPingMs: () => gatewayRef.current?.ping(),
  };
  const scheduler: Scheduler = createScheduler({
    db,
    jobs,
    log: log.child({ component: 'jobs' }),
    isPaused: () => isMaintenanceOn(repos.settings),
  });
  const rest = {
    token: config.env.DISCORD_TOKEN,
    ...(config.env.DISCORD_API_URL ? { api: config.env.DISCORD_API_URL } : {}),
  };
  const discordRest = createRest(rest);
  // The outbox worker is part of the deps it works with: it reads them once they exist.
  const depsRef: { current?: AppDeps } = {};
  const outbox = createOutboxRunner(() => {
    if (!depsRef.current) throw new Error('deps are not wired yet');
    return depsRef.current;
  }, performEffect);
  const prometheusUrl = config.env.PROMETHEUS_URL ?? config.metrics.prometheusUrl;
  const deps: AppDeps = {
    config,
    clock: systemClock,
    log,
    repos,
    github,
    jobs: scheduler,
    db: { ping: async () => (await ping(connection)).ms },
    instance,
    local: { runs: new RunWatch(), greenCi: new Map(), comparisons: new Map() },
    outbox,
    health: httpHealthChecker,
    notifier: createDiscordNotifier({
      rest: discordRest,
      config,
      log: log.child({ component: 'notifier' }),
      saveCardLocation: async (deployId, location) => {
        await repos.deploys.update(deployId, location, systemClock.now());
      },
    }),
    events: {
      markerPosted: (service, env) => metrics.deployMarkers.inc({ service, env }),
      finished: (service, env, outcome) => metrics.deployOutcomes.inc({ service, env, outcome }),
    },
    // The pinned status board (§17).
    board: createStatusBoardPoster({ rest: discordRest, log: log.child({ component: 'status-board' }) }),
    // Rollout and verification analysis (§15, §8); without a Prometheus every analysis fails closed.
    ...(prometheusUrl ? { metrics: new PrometheusMetrics(prometheusUrl) } : {}),
  };

  depsRef.current = deps;

  // One router for interactions from the gateway and from POST /discord/interactions alike.
  const router = createInteractionRouter({
    commands,
    buttons,
    modals,
    deps,
    log,
    metrics,
    mongoTroubled: () => mongoTrouble.troubled(),
  });
  const httpInteractions = config.env.DISCORD_PUBLIC_KEY
    ? createDiscordInteractionsEndpoint({
        publicKey: config.env.DISCORD_PUBLIC_KEY,
        rest,
        onInteraction: router,
        log: log.child({ component: 'interactions' }),
      })
    : undefined;

  const http: HttpServer = await startHttpServer({
    port: config.env.PORT,
    metrics,
    log,
    handlers: {
      async readiness() {
        try {
          const mongoMs = (await ping(connection)).ms;
          return {
            ready: scheduler.started,
            checks: { mongo: 'ok', mongoMs, jobs: scheduler.started, role: role(), instance: instanceId },
          };
        } catch {
          return {
            ready: false,
            checks: { mongo: 'unreachable', jobs: scheduler.started, role: role(), instance: instanceId },
          };
        }
      },
      ...(config.env.GITHUB_WEBHOOK_SECRET
        ? { githubWebhook: createGitHubWebhookHandler(deps, config.env.GITHUB_WEBHOOK_SECRET) }
        : {}),
      // Visibility (§17): the web status page, opt-in.
      ...(config.web.enabled
        ? {
            statusPage: createStatusPageHandler(deps, {
              token: config.env.STATUS_PAGE_TOKEN ?? config.web.token,
            }),
          }
        : {}),
      ...(httpInteractions ? { discordInteractions: httpInteractions.handle } : {}),
    },
  });

  await scheduler.start(deps);
  // Crash recovery without waiting: whatever a previous process left owed is worked now.
  void sweepOutbox(deps).catch((error: unknown) => {
    log.warn({ err: error }, 'could not resume the deploy outboxes at start-up; the outbox job will');
  });
  await registerCommands({
    rest: discordRest,
    appId: config.env.DISCORD_APP_ID,
    guildIds: config.discord.guilds.map((g) => g.id),
    commands,
    log,
  });
  const gateway = createGateway({
    rest,
    onInteraction: router,
    log: log.child({ component: 'gateway' }),
  });
  gatewayRef.current = gateway;
  // Only the lease holder logs in to the gateway; every instance runs jobs, HTTP and REST posting (§9).
  const leadership = new GatewayLeadership({
    instanceId,
    startedAt: instance.startedAt,
    leases: repos.leases,
    settings: repos.settings,
    gateway,
    clock: systemClock,
    log: log.child({ component: 'leadership' }),
    ttlMs: config.gateway.leaseTtl,
    onRoleChange: (next) => metrics.leader.set(next === 'leader' ? 1 : 0),
  });
  gatewayRef.leadership = leadership;
  // Defect 12: ready for the session before asking for the lease; a failed prefetch only costs speed.
  await gateway.prepare().catch((error: unknown) => {
    log.warn({ err: error }, 'could not prefetch the gateway URL; the login will fetch it');
  });
  await leadership.tick();
  leadership.watch(LEASE_WATCH_MS);
  // No `noOverlap`: a tick hung on a stalled MongoDB must not hold back the next one; the leadership skips
  // overlapping ticks itself, gives up on a hung one after a lease time, and fences on its own timer.
  const renewal = cron.schedule(`*/${config.gateway.renewEvery / 1000} * * * * *`, () => leadership.tick(), {
    name: 'gateway-lease',
  });
  log.info({ instanceId, port: http.port, version: instance.version, role: role() }, 'release console ready');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop'): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      const deadline = Date.now() + STOP_BUDGET_MS;
      const left = () => Math.max(0, deadline - Date.now());
      gateway.stopAccepting();
      httpInteractions?.stopAccepting();
      await renewal.stop();
      await gateway.drain(Math.min(left(), 5_000));
      await httpInteractions?.drain(Math.min(left(), 5_000));
      // Defect 12: the session closed and the lease freed before the slower stops, so a standby (watching
      // for the release) connects while this process is still winding down its jobs.
      await leadership.stop();
      await scheduler.stop(Math.min(left(), 4_000));
      await Promise.race([
        outbox.idle(),
        new Promise((resolve) => setTimeout(resolve, Math.min(left(), 2_000))),
      ]);
      await http.close();
      await connection.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { instanceId, httpPort: http.port, deps, stop };
}

/** Runs main() as the process: exit 2 on bad configuration (one line per problem), signals stop it. */
export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let app: RunningApp | undefined;
  let signalled: NodeJS.Signals | undefined;
  const stopAndExit = (running: RunningApp, signal: NodeJS.Signals): void => {
    running.stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Listening from the first moment: a SIGTERM during start-up also ends in a clean stop within 10 s.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = signal;
    setTimeout(() => process.exit(1), 10_000).unref();
    if (app) stopAndExit(app, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    app = await main(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `Release Console cannot start: invalid configuration\n${error.problems.join('\n')}\n`,
      );
      process.exit(2);
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Release Console cannot start: ${message}\n`);
    process.exit(1);
  }
  // Once running, a promise rejected with nobody to handle it is a bug in one path, not a reason to drop
  // every other interaction: it is logged and the bot goes on. Before this point it still ends start-up.
  const running = app;
  process.on('unhandledRejection', (reason) => {
    running.deps.log.error({ err: reason }, 'unhandled rejection');
  });
  if (signalled) stopAndExit(app, signalled);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runMain();
}
