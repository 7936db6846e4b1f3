import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { doctor } from '../../src/doctor-cli.js';
import { botPermissionInteger } from '../../src/doctor/permissions.js';
import { startStandIns, type StandIns } from '../../src/sandbox/stand-ins.js';
import { exampleConfig, freePort, withHealthPort, writeConfig } from '../e2e/support/config-file.js';

const ROOT = join(import.meta.dirname, '..', '..');
const API = 'example-org/api';
let dir: string;
let standIns: StandIns | undefined;

/** Fresh stand-ins per test: each breaks the setup its own way. */
async function start(githubAuth: 'token' | 'app' = 'token'): Promise<StandIns> {
  const config = withHealthPort(exampleConfig(ROOT), await freePort());
  standIns = await startStandIns({
    configFile: writeConfig(dir, config),
    mongoUri: inject('mongoUri'),
    dbName: `doctor_${Date.now()}`,
    githubAuth,
  });
  return standIns;
}

async function runDoctor(env: Record<string, string>): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await doctor(env, (text) => lines.push(text));
  return { code, text: lines.join('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'release-console-doctor-'));
});
afterEach(async () => {
  await standIns?.stop();
  standIns = undefined;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run doctor against the stand-ins', () => {
  it('is all ✅ on the sandbox setup, with a token and as a GitHub App, and prints no secret', async () => {
    for (const auth of ['token', 'app'] as const) {
      const { env } = await start(auth);
      const { code, text } = await runDoctor(env);
      expect(text).not.toContain('❌');
      expect(text).toContain('✅ Discord: the bot may view, send, embed, attach');
      expect(text).toContain(
        '✅ GitHub: example-org/api .github/workflows/deploy.yml on main follows the workflow contract',
      );
      expect(text).toContain(
        '✅ GitHub: example-org/api .github/workflows/smoke.yml on main follows the workflow contract',
      );
      expect(text).toMatch(/✅ Health: api\/prod http:\/\/127\.0\.0\.1:\d+\/api\/prod\/health answers 200/);
      expect(code).toBe(0);
      for (const secret of [env.DISCORD_TOKEN, env.GITHUB_TOKEN, env.GITHUB_APP_PRIVATE_KEY].filter(Boolean))
        expect(text).not.toContain(secret);
      await standIns?.stop();
      standIns = undefined;
    }
  }, 60_000);

  it('names each broken part with its fix and exits 1', async () => {
    const { env, discord, github, config } = await start();
    github.setWorkflowFile(
      'deploy.yml',
      readFileSync(join(ROOT, 'examples/workflows/deploy.yml'), 'utf8').replace(
        'run-name: deploy ${{ inputs.deploy_id }}',
        'run-name: deploy ${{ inputs.version }}',
      ),
      'example-org/web',
    );
    discord.setChannelOverwrite({
      id: config.discord.guilds[0]!.id,
      type: 0,
      deny: PermissionFlagsBits.EmbedLinks,
    });
    discord.deleteRole(config.discord.roles.r4);
    github.hideRepo(API);
    const { code, text } = await runDoctor(env);
    expect(code).toBe(1);
    expect(text).toContain(
      '❌ GitHub: example-org/web .github/workflows/deploy.yml on main: its run-name does not carry deploy_id (the bot finds the run by it)\n   → compare it with examples/workflows/deploy.yml',
    );
    expect(text).toContain(
      "❌ Discord: in the ops channel the bot lacks Embed Links\n   → allow Embed Links for the bot's role",
    );
    expect(text).toContain(
      `❌ Discord: role R4 (${config.discord.roles.r4}) does not exist in the guild\n   → set discord.roles.r4`,
    );
    expect(text).toContain(
      '❌ GitHub: example-org/api (service api) is not reachable: GitHub answers 404 (no such repository, or no access)\n   → check services.<name>.repo',
    );
    expect(text).toContain(`✅ Discord: role R5 (${config.discord.roles.r5}) exists`);
  }, 60_000);

  it('fails a DISCORD_APP_ID that is not the application of the token', async () => {
    const { env } = await start();
    const { code, text } = await runDoctor({ ...env, DISCORD_APP_ID: '123456789012345678' });
    expect(code).toBe(1);
    expect(text).toMatch(
      /❌ Discord: DISCORD_APP_ID is 123456789012345678 but the token belongs to application \d+/,
    );
  }, 60_000);
});

describe('the invite URL permission integer', () => {
  it('docs/setup.md gives the number computed from the permissions doctor checks', () => {
    const doc = readFileSync(join(ROOT, 'docs/setup.md'), 'utf8');
    const inDoc = /permissions=(\d+)/.exec(doc)?.[1];
    expect(inDoc).toBe(botPermissionInteger().toString());
  });
});
