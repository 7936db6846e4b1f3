import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../logger.js';
import { findRepoRoot } from '../adapters/mongo/repo-root.js';

export type MongoKind = 'external' | 'mongo-java-server' | 'mongodb-memory-server';

export interface RunningMongo {
  readonly uri: string;
  readonly kind: MongoKind;
  /** The server's process when this module started one (a stall test pauses it with SIGSTOP). */
  readonly pid?: number;
  stop(): Promise<void>;
}

export interface StartMongoOptions {
  /** A MongoDB the caller already has (the environment's MONGODB_URI); used as is when given. */
  mongodbUri?: string | undefined;
  log?: Logger;
  /** How long mongo-java-server may take to print its port. */
  startTimeoutMs?: number;
}

const JAVA_SERVER_DIR = join('tools', 'mongo-java-server');

/**
 * A MongoDB for tests and the sandbox, in this order: the given URI → mongo-java-server (Java + jars in the
 * repo) → mongodb-memory-server (not a dependency: only used where someone installed it).
 */
export async function startMongo(options: StartMongoOptions = {}): Promise<RunningMongo> {
  const { mongodbUri, log } = options;
  if (mongodbUri) {
    log?.info('using the MongoDB given by MONGODB_URI');
    return { uri: mongodbUri, kind: 'external', stop: () => Promise.resolve() };
  }
  const root = findRepoRoot(import.meta.url);
  if (hasJava() && hasJars(join(root, JAVA_SERVER_DIR, 'lib'))) {
    return startJavaServer(root, options.startTimeoutMs ?? 60_000, log);
  }
  return startMemoryServer(log);
}

function hasJava(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

function hasJars(lib: string): boolean {
  return existsSync(lib) && readdirSync(lib).some((file) => file.startsWith('mongo-java-server-core'));
}

async function startJavaServer(
  root: string,
  timeoutMs: number,
  log: Logger | undefined,
): Promise<RunningMongo> {
  // Java expands the classpath wildcard itself; no shell is involved.
  const child = spawn(
    'java',
    ['-cp', join(JAVA_SERVER_DIR, 'lib', '*'), join(JAVA_SERVER_DIR, 'Launcher.java'), '0'],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    const port = await waitForPort(child, timeoutMs, () => stderr);
    log?.info({ port }, 'mongo-java-server started');
    return {
      uri: `mongodb://127.0.0.1:${port}`,
      kind: 'mongo-java-server',
      ...(child.pid === undefined ? {} : { pid: child.pid }),
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end();
          child.kill('SIGTERM');
          await exited;
        }
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

function waitForPort(
  child: ChildProcessWithoutNullStreams,
  timeoutMs: number,
  stderr: () => string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (reason: string) => {
      cleanup();
      reject(new Error(`mongo-java-server did not start: ${reason}${stderr() ? `\n${stderr()}` : ''}`));
    };
    const timer = setTimeout(() => {
      fail(`no "listening" line within ${timeoutMs} ms`);
    }, timeoutMs);
    const onExit = (code: number | null) => {
      fail(`java exited with code ${code ?? 'null'}`);
    };
    const onError = (error: Error) => {
      fail(error.message);
    };
    const cleanup = () => {
      clearTimeout(timer);
      lines.close();
      child.off('exit', onExit);
      child.off('error', onError);
    };
    lines.on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line.trim());
      if (match?.[1]) {
        cleanup();
        resolve(Number(match[1]));
      }
    });
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

interface MemoryServerModule {
  MongoMemoryServer: { create(): Promise<{ getUri(): string; stop(): Promise<unknown> }> };
}

async function startMemoryServer(log: Logger | undefined): Promise<RunningMongo> {
  // A variable specifier keeps TypeScript and bundlers from resolving a package that is not installed.
  const specifier = 'mongodb-memory-server';
  let module: MemoryServerModule;
  try {
    module = (await import(specifier)) as MemoryServerModule;
  } catch {
    throw new Error(
      'No MongoDB available: set MONGODB_URI to a MongoDB you have, or install Java 17+ (then run ' +
        '"node scripts/ensure-setup.mjs" to fetch mongo-java-server), or install mongodb-memory-server.',
    );
  }
  const server = await module.MongoMemoryServer.create();
  log?.info('mongodb-memory-server started');
  return {
    uri: server.getUri(),
    kind: 'mongodb-memory-server',
    stop: async () => {
      await server.stop();
    },
  };
}
