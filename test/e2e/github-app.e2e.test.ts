import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';
import { BotProcess } from './support/bot-process.js';

// Installation tokens live 2 s here (GitHub: an hour), so one expires while the run is held in progress.
const TOKEN_TTL_MS = 2_000;
const e2e = useE2E({
  config: (base) => ({ ...base, freezeWindows: [] }),
  githubApp: { installationTokenTtlMs: TOKEN_TTL_MS },
});
const API = 'example-org/api';
const WAIT = { timeoutMs: 20_000 };
const ROOT = join(import.meta.dirname, '..', '..');

describe('the bot with only GitHub App credentials (real bot process)', () => {
  it('deploys to staging with installation tokens, minting a new one when the first expires mid-run', async () => {
    const env = e2e();
    expect(env.env.GITHUB_TOKEN).toBeUndefined();
    expect(env.env.GITHUB_APP_PRIVATE_KEY).toBeDefined();
    const requestsBefore = env.github.requests().length;
    env.github.holdRuns(true);
    const reply = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
      .response(WAIT);
    expect(reply.content).toMatch(/Dispatched api → staging/);
    const id = /\b(D[0-9A-Z]{8})\b/.exec(reply.content)?.[1] ?? '';
    const mintedAtDispatch = env.github.installationTokensMinted();
    expect(mintedAtDispatch).toBeGreaterThanOrEqual(1);
    // Outlive the token while the bot polls the held run.
    await new Promise((resolve) => setTimeout(resolve, TOKEN_TTL_MS + 500));
    env.github.holdRuns(false);
    await env.discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title?.startsWith('📍') && e.footer?.text === `Deploy ${id}`),
      WAIT,
    );
    expect(env.github.installationTokensMinted()).toBeGreaterThan(mintedAtDispatch);
    expect(env.github.deployments(API).at(-1)).toMatchObject({ states: ['in_progress', 'success'] });
    // Never an expired token sent, never unauthenticated.
    expect(
      env.github
        .requests()
        .slice(requestsBefore)
        .filter((r) => r.status === 401),
    ).toEqual([]);
  });

  it('refuses to start without any GitHub credentials: exit 2 and one line saying what to set', async () => {
    const env = e2e();
    const bare = Object.fromEntries(
      Object.entries(env.env).filter(([key]) => !key.startsWith('GITHUB_') || key === 'GITHUB_API_URL'),
    );
    const bot = new BotProcess({ cwd: ROOT, env: bare, entry: 'src/main.ts' });
    expect(await bot.exited).toBe(2);
    const stderr = bot.lines.filter((l) => l.stream === 'stderr').map((l) => l.text);
    expect(stderr).toEqual([
      'Release Console cannot start: invalid configuration',
      'env.GITHUB_TOKEN: no GitHub credentials: set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID (a GitHub App), or GITHUB_TOKEN',
    ]);
  });
});
