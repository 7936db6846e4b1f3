import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

const WAIT = { timeoutMs: 20_000 };

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({
  config: (base) => ({ ...base, freezeWindows: [] }),
  runTiming: { queuedMs: 200, inProgressMs: 600 },
});

describe('/maintenance on|off (real bot process)', () => {
  it('R4 cannot turn it on; an R5 can: announced, deploys refused with MAINTENANCE, also after a restart', async () => {
    const env = e2e();
    const denied = await env.discord
      .runCommand('alice', 'maintenance', { reason: 'db upgrade' }, { subcommand: 'on' })
      .response(WAIT);
    expect(denied.content).toMatch(/R5 role/);

    const on = await env.discord
      .runCommand('bob', 'maintenance', { reason: 'MongoDB upgrade' }, { subcommand: 'on' })
      .response(WAIT);
    expect(on.content).toMatch(/Maintenance is on/);
    expect(on.visibleTo).toBe(env.discord.user('bob').id);
    const posted = await env.discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title?.startsWith('🛠️ Maintenance is ON')),
      WAIT,
    );
    expect(posted.embeds[0]?.description).toContain('MongoDB upgrade');

    const refused = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
      .response(WAIT);
    expect(refused.content).toMatch(
      /Deploy refused — \*\*MAINTENANCE\*\*: Maintenance is on: MongoDB upgrade/,
    );
    expect(env.github.runs('example-org/api')).toHaveLength(0);

    await env.bot.restart(); // the state lives in MongoDB
    const still = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
      .response(WAIT);
    expect(still.content).toMatch(/MAINTENANCE/);
    expect(env.github.runs('example-org/api')).toHaveLength(0);
  }, 90_000);

  it('off: announced, and deploys work again', async () => {
    const env = e2e();
    const off = await env.discord
      .runCommand('carol', 'maintenance', { reason: 'upgrade done' }, { subcommand: 'off' })
      .response(WAIT);
    expect(off.content).toMatch(/Maintenance is off/);
    await env.discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title?.startsWith('✅ Maintenance is OFF')),
      WAIT,
    );
    const reply = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
      .response(WAIT);
    expect(reply.content).toMatch(/Dispatched api → staging/);
    expect(env.github.runs('example-org/api').filter((r) => r.workflow === 'deploy.yml')).toHaveLength(1);
  }, 60_000);
});
