import { createReadStream, existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { ConfigError } from '../config.js';
import { createLogger } from '../logger.js';
import { main, type RunningApp } from '../main.js';
import { runRepl } from './console/repl.js';
import { startStandIns, type StandIns } from './stand-ins.js';

export { startStandIns, type StandIns, type StandInsOptions } from './stand-ins.js';

export interface SandboxIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal?: AbortSignal;
}

export const SANDBOX_LOG_FILE = '.cache/sandbox.log';
const BOT_READY_TIMEOUT_MS = 20_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const USAGE = `usage: npm start [-- --script FILE]
  With no DISCORD_TOKEN, runs the bot against local stand-ins and opens a console.
  --script FILE   run the console lines in FILE (# comments allowed), then exit (1 if a line failed)
  Piped stdin works the same way: printf 'as alice /health\\n' | npm start`;

/**
 * The sandbox: stand-ins, then the real bot in this process, then the console. Resolves with the exit code
 * once everything has stopped (the bot first, then the stand-ins).
 */
export async function runSandbox(argv: readonly string[], io: SandboxIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.stderr.write(`${args}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.script && !existsSync(args.script)) {
    io.stderr.write(`Sandbox: no script file ${args.script}\n`);
    return 1;
  }
  const configFile = io.env.CONFIG_FILE ?? 'config/example.yaml';
  const logFile = io.env.SANDBOX_LOG_FILE ?? SANDBOX_LOG_FILE;
  const level = LOG_LEVELS.find((l) => l === io.env.LOG_LEVEL) ?? 'info';
  const logger = createLogger(
    { level },
    pino.destination({ dest: logFile, mkdir: true, sync: true, append: false }),
  );
  const started = Date.now();
  io.stderr.write(`Starting the sandbox (config ${configFile}, log ${logFile})…\n`);

  let standIns: StandIns | undefined;
  let app: RunningApp | undefined;
  const shutdown = async (): Promise<void> => {
    try {
      await app?.stop('sandbox exit');
    } finally {
      await standIns?.stop();
    }
  };
  try {
    standIns = await startStandIns({
      configFile,
      mongoUri: io.env.MONGODB_URI,
      log: logger.child({ component: 'sandbox' }),
      ...(io.env.PORT ? { httpPort: Number(io.env.PORT) } : {}),
      logLevel: logger.level,
      // SANDBOX_GITHUB_AUTH=app: the bot authenticates as a GitHub App, as recommended for real servers.
      githubAuth: io.env.SANDBOX_GITHUB_AUTH === 'app' ? 'app' : 'token',
      // With the App, prod has it as its deployment protection rule (§16): `github dispatch api prod`.
      ...(io.env.SANDBOX_GITHUB_AUTH === 'app' ? { protectedEnvironments: ['prod'] } : {}),
      // `github push` shows continuous delivery: the push and CI webhooks reach the bot.
      webhooks: true,
      prometheus: true,
    });
    if (io.signal?.aborted) return await stopWith(0);
    app = await main(standIns.env, { logger });
    await standIns.discord.waitForBot({ timeoutMs: BOT_READY_TIMEOUT_MS });
  } catch (error) {
    io.stderr.write(`Sandbox cannot start: ${describe(error)}\n(details in ${logFile})\n`);
    logger.error({ err: error }, 'sandbox: start failed');
    return stopWith(1);
  }

  io.stdout.write(banner(standIns, app, logFile, Date.now() - started));
  const interactive = !args.script && io.stdin.isTTY === true;
  const input = args.script ? createReadStream(args.script, 'utf8') : io.stdin;
  let code: number;
  try {
    code = await runRepl({
      deps: {
        discord: standIns.discord,
        github: standIns.github,
        config: standIns.config,
        services: standIns.services,
      },
      input,
      output: io.stdout,
      interactive,
      ...(io.signal ? { signal: io.signal } : {}),
    });
  } finally {
    if (args.script) (input as ReturnType<typeof createReadStream>).destroy();
  }
  io.stderr.write('Stopping the bot and the stand-ins…\n');
  return stopWith(code);

  async function stopWith(exitCode: number): Promise<number> {
    try {
      await shutdown();
      return exitCode;
    } catch (error) {
      io.stderr.write(`Sandbox did not stop cleanly: ${describe(error)}\n`);
      return exitCode === 0 ? 1 : exitCode;
    } finally {
      logger.flush();
    }
  }
}

function parseArgs(argv: readonly string[]): { script?: string; help?: boolean } | string {
  const out: { script?: string; help?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') out.help = true;
    else if (arg === '--script') {
      const file = argv[++i];
      if (!file) return '--script needs a file';
      out.script = file;
    } else if (arg?.startsWith('--script=')) out.script = arg.slice('--script='.length);
    else return `unknown argument "${arg ?? ''}"`;
  }
  return out;
}

function describe(error: unknown): string {
  if (error instanceof ConfigError) return `invalid configuration\n${error.problems.join('\n')}`;
  return error instanceof Error ? error.message : String(error);
}

function banner(standIns: StandIns, app: RunningApp, logFile: string, tookMs: number): string {
  const { config, discord, github, services, mongo } = standIns;
  const guild = config.discord.guilds[0];
  const repos = Object.values(config.services).map((s) => s.repo);
  const mongoHost = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(mongo.uri)?.[1] ?? 'MONGODB_URI';
  const dbName = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(standIns.env.MONGODB_URI ?? '')?.[1] ?? '';
  const users = discord
    .users()
    .map((u) => `${u.name} (${u.roles.length ? u.roles.join(', ') : 'no role'})`)
    .join(', ');
  return `
Release Console sandbox — up in ${(tookMs / 1000).toFixed(1)} s; everything runs on 127.0.0.1
  bot       in this process, HTTP :${app.httpPort} (/healthz /readyz /metrics); log ${logFile}
  Discord   local server ${discord.apiUrl} — guild "${guild?.name ?? guild?.id ?? ''}", ops channel ${discord.opsChannelId}
  GitHub    local API ${github.url} — ${repos.join(', ')}; runs finish after ~2 s
  services  health URLs answered on ${services.url}, with synthetic traffic on /metrics
  metrics   ${standIns.prometheus ? `Prometheus ${standIns.prometheus.url} (scrapes every 1 s)` : 'no Prometheus installed: progressive rollouts need it (apt-get install prometheus)'}
  MongoDB   ${mongo.kind} on ${mongoHost}, database ${dbName}
Users: ${users}
Try:
  as alice /health
  as alice /deploy service:api env:prod reason:"weekly release"
  as bob approve
  history            (help lists every command; exit or Ctrl-C stops)
`;
}
