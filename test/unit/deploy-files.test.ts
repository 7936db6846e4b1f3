import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pino } from 'pino';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/adapters/http/metrics.js';
import { startHttpServer, type HttpServer } from '../../src/adapters/http/server.js';
import { parseConfig } from '../../src/config.js';

/** The Dockerfile, .dockerignore and fly.toml agree with each other and with the code they ship. */
const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

interface FlyToml {
  kill_signal?: string;
  kill_timeout?: string | number;
  build?: { dockerfile?: string };
  deploy?: { release_command?: string; strategy?: string };
  env?: Record<string, string>;
  http_service?: {
    internal_port?: number;
    min_machines_running?: number;
    auto_stop_machines?: string | boolean;
    checks?: { path?: string; method?: string }[];
  };
}

const fly = parseToml(read('fly.toml')) as FlyToml;
const dockerfile = read('Dockerfile');
/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = dockerfile.split(/^FROM /m).slice(1);
const runtime = stages.at(-1) ?? '';
const exampleConfig = parseConfig(read('config/example.yaml'), 'config/example.yaml', {});

function healthcheckArgv(): string[] {
  const line = instructions.find((l) => l.startsWith('HEALTHCHECK '));
  const exec = /CMD (\[.*\])$/.exec(line ?? '')?.[1];
  if (!exec) throw new Error('the Dockerfile has no HEALTHCHECK … CMD [exec form]');
  return JSON.parse(exec) as string[];
}

describe('fly.toml and the image agree with the code', () => {
  let server: HttpServer;

  beforeAll(async () => {
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics({ defaultMetrics: false }),
      handlers: { readiness: () => Promise.resolve({ ready: true, checks: {} }) },
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(() => server.close());

  it('serves on the port the config defaults to, which fly.toml and the image use', () => {
    const port = exampleConfig.env.PORT;
    expect(port).toBe(8080);
    expect(fly.http_service?.internal_port).toBe(port);
    expect(fly.env?.PORT).toBe(String(port));
    expect(instructions).toContain(`EXPOSE ${port}`);
    expect(instructions).toContain(`ENV PORT=${port}`);
  });

  it("checks health on a path the bot's HTTP server answers 200", async () => {
    const checks = fly.http_service?.checks ?? [];
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks) {
      expect(check.path).toBe('/healthz');
      const answer = await fetch(`http://127.0.0.1:${server.port}${check.path ?? ''}`, {
        method: check.method ?? 'GET',
      });
      expect(answer.status).toBe(200);
    }
    const missing = await fetch(`http://127.0.0.1:${server.port}/health`);
    expect(missing.status).toBe(404);
  });

  it("the image's HEALTHCHECK passes against the running server and fails when nothing answers", async () => {
    const [cmd, ...args] = healthcheckArgv();
    expect(cmd).toBe('node');
    expect(args.join(' ')).toContain('/healthz');
    // Asynchronous: the server answering the probe lives in this process.
    const probe = (port: number): Promise<number | null> =>
      new Promise((done, fail) => {
        const child = spawn(process.execPath, args, {
          env: { PATH: process.env.PATH ?? '', PORT: String(port) },
          stdio: 'ignore',
          timeout: 10_000,
        });
        child.once('error', fail);
        child.once('exit', (code) => done(code));
      });
    expect(await probe(server.port)).toBe(0);
    // Port 9 (discard) on loopback: nothing listens there in a test run.
    expect(await probe(9)).toBe(1);
  });

  it('runs the migrations as the release command, with what the image ships for it', () => {
    expect(fly.deploy?.release_command).toBe('npm run migrate');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.migrate).toBe('node scripts/run-ts.mjs src/migrate-cli.ts');
    expect(runtime).toMatch(/^COPY scripts\/run-ts\.mjs \.\/scripts\/run-ts\.mjs$/m);
    expect(runtime).toMatch(/^COPY migrations \.\/migrations$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
  });

  it('keeps one always-on machine and gives it the 10 s the bot needs to stop on SIGTERM', () => {
    expect(fly.http_service?.min_machines_running).toBe(1);
    expect(fly.http_service?.auto_stop_machines).toBe('off');
    expect(fly.kill_signal).toBe('SIGTERM');
    expect(Number.parseInt(String(fly.kill_timeout), 10)).toBeGreaterThanOrEqual(10);
    expect(fly.build?.dockerfile).toBe('Dockerfile');
  });

  it('reads its configuration from a file inside config/, which the image copies', () => {
    expect(fly.env?.CONFIG_FILE).toMatch(/^config\/[\w.-]+\.(ya?ml|json)$/);
    expect(runtime).toMatch(/^COPY config \.\/config$/m);
  });
});

describe('the Dockerfile', () => {
  it('pins every base image by digest', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:24[\w.-]*@sha256:[0-9a-f]{64}( AS \w+)?$/);
  });

  it('runs the compiled bot as user node with production dependencies only', () => {
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).not.toMatch(/^COPY (src|test|tools|commands|jobs) /m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(instructions.at(-1)).toBe('CMD ["node", "dist/src/main.js"]');
  });

  it('leaves the sandbox out, and nothing the image runs imports it', () => {
    expect(instructions.join('\n')).toMatch(/rm -rf dist\/src\/sandbox/);
    const entries = ['src/main.ts', 'src/migrate-cli.ts', ...tsFiles('migrations')];
    const reached = importGraph(entries);
    const intoSandbox = [...reached].filter(
      (file) => file.startsWith('src/sandbox/') || file === 'src/cli.ts',
    );
    expect(intoSandbox).toEqual([]);
    // The walk really follows imports: main reaches the commands, jobs and the HTTP server.
    expect(reached).toContain('commands/index.ts');
    expect(reached).toContain('jobs/index.ts');
    expect(reached).toContain('src/adapters/http/server.ts');
  });
});

describe('.dockerignore', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps secrets, local installs, builds, tests and tooling out of the build context', () => {
    for (const entry of [
      '.git',
      '.env',
      '.env.*',
      'node_modules',
      'dist',
      'coverage',
      '.cache',
      'test',
      'tools',
    ]) {
      expect(ignored, entry).toContain(entry);
    }
  });

  it('keeps everything the Dockerfile copies', () => {
    const copied = instructions
      .filter((l) => l.startsWith('COPY ') && !l.startsWith('COPY --from'))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copied.length).toBeGreaterThan(5);
    for (const source of copied) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      const top = source.split('/')[0] ?? source;
      expect(ignored, source).not.toContain(top);
    }
  });
});

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f}`);
}

/** Every project file reachable from the entries through relative static and dynamic imports. */
function importGraph(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = read(file);
    const specifiers = [
      ...source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g),
      ...source.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
    ].map((m) => m[1] ?? '');
    for (const specifier of specifiers) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier.replace(/\.js$/, '.ts')));
      if (existsSync(join(ROOT, target))) queue.push(target);
    }
  }
  return seen;
}
