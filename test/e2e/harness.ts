import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import type { Config } from '../../src/config.js';
import type { LocalDiscord } from '../../src/sandbox/discord/index.js';
import type { LocalGitHub, RunTiming } from '../../src/sandbox/github/index.js';
import type { SandboxServices } from '../../src/sandbox/services.js';
import { startStandIns, type StandIns } from '../../src/sandbox/stand-ins.js';
import { BotProcess } from './support/bot-process.js';
import {
  E2E_TIMINGS,
  exampleConfig,
  freePort,
  withHealthPort,
  writeConfig,
  type RawConfig,
} from './support/config-file.js';

export type { BotLine } from './support/bot-process.js';
export type { RawConfig } from './support/config-file.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CONNECT_TIMEOUT_MS = 30_000;
/** Variables of the parent that must not leak into the bot (the harness decides them all). */
const APP_VARIABLES = [
  'DISCORD_TOKEN',
  'DISCORD_APP_ID',
  'DISCORD_API_URL',
  'GITHUB_TOKEN',
  'GITHUB_API_URL',
  'GITHUB_APP_ID',
  'GITHUB_APP_PRIVATE_KEY',
  'GITHUB_APP_INSTALLATION_ID',
  'GITHUB_WEBHOOK_SECRET',
  'MONGODB_URI',
  'PORT',
  'CONFIG_FILE',
  'LOG_LEVEL',
  'INSTANCE_ID',
];

export interface E2EOptions {
  /** Changes the base configuration (example.yaml with e2e timings and the sandbox services' port). */
  config?: (base: RawConfig) => RawConfig;
  runTiming?: Partial<RunTiming>;
  /** Extra environment for the bot (e.g. GITHUB_WEBHOOK_SECRET). */
  env?: Record<string, string>;
  /** A MongoDB server of the test's own instead of the run's shared one (e.g. one it pauses). */
  mongoUri?: string;
  /** The bot authenticates as a GitHub App instead of with a token; tokens live this long when given. */
  githubApp?: { installationTokenTtlMs?: number };
  /** GitHub environments with the bot's App as their deployment protection rule (needs `githubApp`). */
  protectedEnvironments?: readonly string[];
  /** The local GitHub sends signed webhooks (push, check_suite, status, workflow_run) to the bot. */
  githubWebhooks?: boolean;
  /** A real Prometheus scrapes the sandbox services (rollout analysis, §15). */
  prometheus?: boolean;
}

export interface E2EBot {
  readonly pid: number;
  /** Every line the bot wrote (stdout and stderr, all runs). */
  readonly lines: BotProcess['lines'];
  /** Parsed pino lines, optionally only those with this `msg` (e.g. 'deploy.marker'). */
  logs(msg?: string): Record<string, unknown>[];
  waitForLog: BotProcess['waitForLog'];
  /** The exit code of the current run (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, wait for exit, start again, and wait until it has a gateway session again. */
  restart(): Promise<void>;
  /** The last lines of output, for failure reports. */
  tail(count?: number): string;
}

export interface E2E {
  readonly discord: LocalDiscord;
  readonly github: LocalGitHub;
  readonly services: SandboxServices;
  readonly config: Config;
  readonly configFile: string;
  /** The environment the bot runs with. */
  readonly env: Readonly<Record<string, string>>;
  /** The bot's HTTP server (/healthz, /readyz, /metrics). */
  readonly httpUrl: string;
  readonly bot: E2EBot;
  /** Stops the bot (SIGTERM, then SIGKILL after 10 s) and the stand-ins; removes the temporary files. */
  stop(): Promise<void>;
}

/**
 * Starts the stand-ins (MongoDB = the test run's server, a database of this test's own), writes a temporary
 * configuration, and runs the real bot as a child process (`node --import tsx src/main.ts`) until it holds
 * a gateway session.
 */
export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const dir = mkdtempSync(join(tmpdir(), 'release-console-e2e-'));
  const servicesPort = await freePort();
  const httpPort = await freePort();
  const base = withHealthPort(withoutAutoDeploy({ ...exampleConfig(ROOT), ...E2E_TIMINGS }), servicesPort);
  const configFile = writeConfig(dir, options.config ? options.config(base) : base);

  let standIns: StandIns | undefined;
  let bot: BotProcess | undefined;
  const stop = async (): Promise<void> => {
    try {
      await bot?.stop(10_000);
    } finally {
      try {
        await standIns?.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  };
  try {
    standIns = await startStandIns({
      configFile,
      mongoUri: options.mongoUri ?? inject('mongoUri'),
      dbName: `e2e_${testName()}_${randomBytes(4).toString('hex')}`,
      httpPort,
      logLevel: 'info',
      ...(options.runTiming ? { runTiming: options.runTiming } : {}),
      ...(options.protectedEnvironments ? { protectedEnvironments: options.protectedEnvironments } : {}),
      ...(options.githubWebhooks ? { webhooks: true } : {}),
      ...(options.prometheus ? { prometheus: 'require' as const } : {}),
      ...(options.githubApp
        ? {
            githubAuth: 'app' as const,
            ...(options.githubApp.installationTokenTtlMs
              ? { installationTokenTtlMs: options.githubApp.installationTokenTtlMs }
              : {}),
          }
        : {}),
    });
    const env = { ...inheritedEnv(), ...standIns.env, ...options.env };
    const process_ = new BotProcess({ cwd: ROOT, env, entry: 'src/main.ts' });
    bot = process_;
    const discord = standIns.discord;
    await connected(process_, discord, 0);

    const e2eBot: E2EBot = {
      get pid() {
        return process_.pid;
      },
      lines: process_.lines,
      logs: (msg) => process_.logs(msg),
      waitForLog: (predicate, timeoutMs) => process_.waitForLog(predicate, timeoutMs),
      get exited() {
        return process_.exited;
      },
      kill: (signal) => {
        process_.kill(signal);
      },
      restart: async () => {
        const before = discord.gatewayConnections().totalIdentified;
        await process_.stop(10_000);
        process_.respawn();
        await connected(process_, discord, before);
      },
      tail: (count) => process_.tail(count),
    };
    return {
      discord,
      github: standIns.github,
      services: standIns.services,
      config: standIns.config,
      configFile,
      env,
      httpUrl: `http://127.0.0.1:${httpPort}`,
      bot: e2eBot,
      stop,
    };
  } catch (error) {
    const output = bot ? `\n--- bot output ---\n${bot.tail()}` : '';
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${output}`, { cause: error });
  }
}

/**
 * Registers beforeAll/afterAll (start and always stop) and prints the bot's output after a failed test.
 * Call at the top level of a test file; the returned function gives the running E2E inside tests.
 */
export function useE2E(options: E2EOptions = {}): () => E2E {
  let e2e: E2E | undefined;
  beforeAll(async () => {
    e2e = await startE2E(options);
  }, 90_000);
  afterAll(async () => {
    await e2e?.stop();
  }, 30_000);
  afterEach((context) => {
    if (e2e && context.task.result?.state === 'fail') {
      process.stderr.write(
        `\n--- bot output (last lines) for "${context.task.name}" ---\n${e2e.bot.tail()}\n`,
      );
    }
  });
  return () => {
    if (!e2e) throw new Error('the e2e environment did not start (see the beforeAll error)');
    return e2e;
  };
}

/** Waits until the bot has a new gateway session (identified count above `before`), or fails if it exits. */
async function connected(bot: BotProcess, discord: LocalDiscord, before: number): Promise<void> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void bot.exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    const counts = discord.gatewayConnections();
    if (counts.open > 0 && counts.totalIdentified > before) return;
    if (exitCode !== undefined)
      throw new Error(`the bot exited with code ${String(exitCode)} before connecting`);
    if (Date.now() > deadline)
      throw new Error(`the bot did not connect to the local Discord gateway within ${CONNECT_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Continuous delivery deploys new commits by itself: a test that adds commits to main would see deploys it
 * did not ask for. Tests of continuous delivery opt in through `config`.
 */
function withoutAutoDeploy(config: RawConfig): RawConfig {
  const services = Object.fromEntries(
    Object.entries(config.services).map(([name, service]) => {
      const { autoDeploy: _autoDeploy, autoPromote: _autoPromote, ...rest } = service;
      return [name, rest];
    }),
  );
  return { ...config, services };
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !APP_VARIABLES.includes(key)) env[key] = value;
  }
  return env;
}

function testName(): string {
  const path = expect.getState().testPath;
  return (path ? basename(path).replace(/\.e2e\.test\.ts$|\.test\.ts$/, '') : 'e2e')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .slice(0, 30);
}
