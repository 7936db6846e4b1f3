import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One line the bot wrote: pino JSON when it parses, raw text otherwise. */
export interface BotLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

export interface BotProcessOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The entry point run with `node --import tsx`. */
  readonly entry: string;
}

/** The real bot as a child process (`node --import tsx src/main.ts`), with its output kept for assertions. */
export class BotProcess {
  /** Every line of every run of the bot, in order (restarts append). */
  readonly lines: BotLine[] = [];
  #child: ChildProcess;
  #exited: Promise<number | null>;
  readonly #listeners = new Set<() => void>();

  constructor(private readonly options: BotProcessOptions) {
    [this.#child, this.#exited] = this.#spawn();
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Resolves with the exit code (null when a signal ended it) of the current run. */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.#child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.#exited;
    this.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, graceMs);
    });
    const first = await Promise.race([this.#exited, killed]);
    clearTimeout(timer);
    if (first !== 'timeout') return first;
    this.kill('SIGKILL');
    return this.#exited;
  }

  /** Starts the bot again with the same environment (the previous run must have exited). */
  respawn(): void {
    if (this.running) throw new Error('bot process: still running; stop it before respawning');
    [this.#child, this.#exited] = this.#spawn();
  }

  /** Parsed pino lines, optionally only those with this `msg`. */
  logs(msg?: string): Record<string, unknown>[] {
    return this.lines.flatMap((l) => (l.json && (msg === undefined || l.json.msg === msg) ? [l.json] : []));
  }

  /** Resolves with the first log line (already written or coming) that fits; bounded. */
  waitForLog(
    predicate: string | ((line: Record<string, unknown>) => boolean),
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const fits =
      typeof predicate === 'string' ? (l: Record<string, unknown>) => l.msg === predicate : predicate;
    const find = (): Record<string, unknown> | undefined => this.logs().find(fits);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        const line = find();
        if (!line) return;
        cleanup();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`bot process: no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      this.#listeners.add(listener);
    });
  }

  /** The last `count` lines as text, for a failure report. */
  tail(count = 80): string {
    return this.lines
      .slice(-count)
      .map((l) => (l.stream === 'stderr' ? `[stderr] ${l.text}` : l.text))
      .join('\n');
  }

  #spawn(): [ChildProcess, Promise<number | null>] {
    const child = spawn(process.execPath, ['--import', 'tsx', this.options.entry], {
      cwd: this.options.cwd,
      env: { ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        resolve(code);
      });
      child.once('error', (error) => {
        this.#record('stderr', `spawn failed: ${error.message}`);
        resolve(-1);
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream] }).on('line', (text) => {
        this.#record(stream, text);
      });
    }
    return [child, exited];
  }

  #record(stream: 'stdout' | 'stderr', text: string): void {
    let json: Record<string, unknown> | undefined;
    if (text.startsWith('{')) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    this.lines.push({ stream, text, json });
    for (const listener of [...this.#listeners]) listener();
  }
}

/** Spawns the entry and returns the handle; exported for tests of the CLI that need the raw process. */
export function spawnTsx(
  entry: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
