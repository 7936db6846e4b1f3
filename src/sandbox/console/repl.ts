import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsoleSession, type ConsoleDeps } from './session.js';

export interface ReplOptions {
  readonly deps: Omit<ConsoleDeps, 'write'>;
  readonly input: Readable;
  readonly output: Writable;
  /** A person at a terminal: a prompt, and errors do not end the session. Otherwise lines run as a script. */
  readonly interactive: boolean;
  /** Stops the loop (Ctrl-C / SIGTERM). */
  readonly signal?: AbortSignal;
  /** After the last scripted line: time for messages still coming (cards, run updates) to be printed. */
  readonly settleMs?: number;
  readonly prompt?: string;
}

/**
 * The console loop. Interactive: a prompt; every line runs, errors print and the prompt comes back.
 * Scripted (piped stdin or --script): each line is echoed and run in order, waiting for its answer; the first
 * failed line prints why and ends with exit code 1; EOF ends with 0 after a short settle.
 */
export async function runRepl(options: ReplOptions): Promise<number> {
  const { output, interactive } = options;
  const prompt = options.prompt ?? 'release-console> ';
  const rl = createInterface({
    input: options.input,
    ...(interactive ? { output, prompt, terminal: true } : { terminal: false }),
  });
  let atPrompt = false;
  const write = (text: string): void => {
    // A live message while the prompt waits: clear the prompt line, print, prompt again.
    if (interactive && atPrompt) output.write('\r\x1b[K');
    output.write(`${text}\n`);
    if (interactive && atPrompt) rl.prompt(true);
  };
  const session = new ConsoleSession({ ...options.deps, write });
  session.start();
  const stop = (): void => {
    rl.close();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  // A line waiting for the bot's answer must not hold up Ctrl-C.
  const aborted = new Promise<'aborted'>((resolve) => {
    if (options.signal?.aborted) resolve('aborted');
    options.signal?.addEventListener(
      'abort',
      () => {
        resolve('aborted');
      },
      { once: true },
    );
  });
  if (interactive) rl.on('SIGINT', stop);

  let code = 0;
  let lineNumber = 0;
  try {
    if (interactive) {
      atPrompt = true;
      rl.prompt();
    }
    for await (const line of rl) {
      lineNumber++;
      atPrompt = false;
      const trimmed = line.trim();
      if (!interactive && trimmed !== '' && !trimmed.startsWith('#')) write(`> ${trimmed}`);
      const result = await Promise.race([session.execute(line), aborted]);
      if (result === 'aborted' || result.outcome === 'exit') break;
      if (result.outcome === 'failed') {
        if (!interactive) {
          write(`error: line ${lineNumber}: ${result.error}`);
          code = 1;
          break;
        }
        write(`error: ${result.error}`);
      }
      if (interactive) {
        atPrompt = true;
        rl.prompt();
      }
    }
    if (!interactive && code === 0 && !options.signal?.aborted) await sleep(options.settleMs ?? 500);
  } finally {
    atPrompt = false;
    options.signal?.removeEventListener('abort', stop);
    session.close();
    rl.close();
  }
  return code;
}
