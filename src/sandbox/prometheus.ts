import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the Debian package puts it; `PROMETHEUS_BIN` points elsewhere. */
const DEFAULT_BINARY = '/usr/bin/prometheus';
const READY_TIMEOUT_MS = 20_000;

/** The Prometheus binary when one is installed, else undefined (rollouts then cannot be analysed). */
export function findPrometheus(binary = process.env.PROMETHEUS_BIN ?? DEFAULT_BINARY): string | undefined {
  try {
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** A real Prometheus on loopback, scraping the sandbox's services; its data lives in a temp directory. */
export class LocalPrometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  /**
   * Starts Prometheus scraping `targets` (host:port, path /metrics) every `scrapeInterval` ("1s"), and waits
   * (bounded) until it is ready. Throws when the binary is missing or it does not become ready.
   */
  static async start(options: {
    targets: readonly string[];
    scrapeInterval?: string;
    binary?: string;
  }): Promise<LocalPrometheus> {
    const binary = options.binary ?? findPrometheus();
    if (!binary) throw new Error('Prometheus is not installed (apt-get install prometheus)');
    const dir = await mkdtemp(join(tmpdir(), 'release-console-prometheus-'));
    const interval = options.scrapeInterval ?? '1s';
    const config = [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      '  - job_name: sandbox-services',
      '    static_configs:',
      `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn(
      binary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const prometheus = new LocalPrometheus(child, dir, `http://127.0.0.1:${port}`);
    try {
      await prometheus.waitReady();
    } catch (error) {
      await prometheus.stop();
      throw new Error(`Prometheus did not start: ${(error as Error).message}\n${stderr}`);
    }
    return prometheus;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`exited with ${this.child.exitCode}`);
      try {
        const response = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`not ready within ${READY_TIMEOUT_MS} ms`);
  }

  /** Waits (bounded) until every target has been scraped successfully once. */
  async waitForScrape(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const response = await fetch(`${this.url}/api/v1/targets?state=active`).catch(() => undefined);
      const body = (await response?.json().catch(() => undefined)) as
        { data?: { activeTargets?: { health?: string }[] } } | undefined;
      const targets = body?.data?.activeTargets ?? [];
      if (targets.length > 0 && targets.every((t) => t.health === 'up')) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`Prometheus did not scrape its targets within ${timeoutMs} ms`);
  }

  /**
   * Waits (bounded) until `query` has a value: a rate over a window needs two scrapes, so a Prometheus that
   * is up and has scraped once still answers an analysis query with no data (which fails it closed).
   */
  async waitForData(query: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const url = `${this.url}/api/v1/query?query=${encodeURIComponent(query)}`;
    while (Date.now() < deadline) {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      const body = (await response?.json().catch(() => undefined)) as
        { data?: { result?: unknown[] } } | undefined;
      if ((body?.data?.result?.length ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`Prometheus had no data for ${query} within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
