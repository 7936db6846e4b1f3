import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStandIns, type StandIns } from '../../src/sandbox/stand-ins.js';
import { exampleConfig, freePort, withHealthPort, writeConfig } from './support/config-file.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** What the Dockerfile runs: `npm run build`, `node dist/src/migrate-cli.js`, then `node dist/src/main.js`. */
describe('the production build (what the Docker image runs)', () => {
  let standIns: StandIns;
  let dir: string;
  let httpPort: number;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    dir = mkdtempSync(join(tmpdir(), 'release-console-dist-'));
    const servicesPort = await freePort();
    httpPort = await freePort();
    const configFile = writeConfig(
      dir,
      withHealthPort({ ...exampleConfig(ROOT), freezeWindows: [] }, servicesPort),
    );
    standIns = await startStandIns({
      configFile,
      mongoUri: inject('mongoUri'),
      dbName: `dist_${Date.now()}`,
      // The compiled runner migrates it here, as the image's release command does.
      migrate: false,
      httpPort,
      logLevel: 'info',
    });
  }, 240_000);

  afterAll(async () => {
    await standIns.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const migrate = (mongodbUri: string): string =>
    execFileSync(process.execPath, ['dist/src/migrate-cli.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: mongodbUri },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('refuses to start on a database without its migrations; the compiled runner applies them once', () => {
    const fresh = (standIns.env.MONGODB_URI ?? '').replace(/\/([^/?]+)(\?|$)/, `/unmigrated_${Date.now()}$2`);
    const refused = spawnSync(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...standIns.env, MONGODB_URI: fresh },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /4 migrations are not applied \(0001-init, .*\): run `npm run migrate` first/,
    );
    expect(migrate(fresh)).toMatch(/applied 0001-init/);
    expect(migrate(fresh)).toMatch(/nothing to apply/);
  });

  it('starts from dist/, answers /healthz 200, and exits 0 within 10 s of SIGTERM', async () => {
    migrate(standIns.env.MONGODB_URI ?? ''); // as the release command does (nothing to apply the second time)
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...standIns.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let status = 0;
      for (let i = 0; i < 150 && status !== 200; i += 1) {
        status = await fetch(`http://127.0.0.1:${httpPort}/healthz`, {
          signal: AbortSignal.timeout(1_000),
        }).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status, output).toBe(200);
      await standIns.discord.waitForBot({ timeoutMs: 20_000 });
      child.kill('SIGTERM');
      // The shutdown bound of SPEC §9 (exit within 10 s), not a speed target.
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000)),
      ]);
      expect(code, output).toBe(0);
      expect(output).toMatch(/"msg":"stopped"/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
