import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnTsx } from './support/bot-process.js';
import { exampleConfig, freePort, withHealthPort, writeConfig } from './support/config-file.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RUN_LIMIT_MS = 60_000;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir = '';
let configFile = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'release-console-cli-'));
  configFile = writeConfig(dir, withHealthPort(exampleConfig(ROOT), await freePort()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `npm start` as a person runs it with no DISCORD_TOKEN: src/cli.ts with stdin piped; killed if it hangs. */
function runCli(args: readonly string[], stdin: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DISCORD_TOKEN;
  delete env.PORT;
  env.MONGODB_URI = inject('mongoUri');
  env.CONFIG_FILE = configFile;
  env.SANDBOX_LOG_FILE = join(dir, 'sandbox.log');
  const child = spawnTsx('src/cli.ts', args, { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(stdin);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start without DISCORD_TOKEN (the sandbox console)', () => {
  it('runs piped console lines against the real bot, prints the answer and exits 0', async () => {
    const run = await runCli([], 'as alice /health\n');
    expect(run.stderr).not.toMatch(/cannot start/);
    expect(run.stdout).toContain('Release Console sandbox');
    expect(run.stdout).toContain('> as alice /health');
    expect(run.stdout).toMatch(/\(only you: alice\)/);
    expect(run.stdout).toMatch(/│ MongoDB: .*round trip/);
    expect(run.code).toBe(0);
  }, 90_000);

  it('stops at the first bad line of a --script file with exit code 1 and says why', async () => {
    const script = join(dir, 'bad.txt');
    writeFileSync(script, '# a comment\nusers\nas zed /health\nas alice /health\n');
    const run = await runCli(['--script', script], '');
    expect(run.stdout).toMatch(/alice\s+R4/);
    expect(run.stdout).toContain('error: line 3: unknown user "zed" (users: alice, bob, carol, dave)');
    // The line after the failure does not run.
    expect(run.stdout).not.toContain('> as alice /health');
    expect(run.code).toBe(1);
  }, 90_000);

  it('reports a syntax error in a piped line with exit code 1', async () => {
    const run = await runCli([], 'as alice /deploy service:api reason:"not closed\n');
    expect(run.stdout).toContain('error: line 1: unclosed " quote');
    expect(run.code).toBe(1);
  }, 90_000);
});
