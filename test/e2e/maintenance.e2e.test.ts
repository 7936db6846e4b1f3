import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';

const WAIT = { timeoutMs: 20_000 };

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({
  config: (base) => ({ ...base, freezeWindows: [] }),
  runTiming: { queuedMs: 200, inProgressMs: 600 },
});

const apiDeployRuns = (env: E2E) =>
  env.github.runs('example-org/api').filter((r) => r.workflow === 'deploy.yml');

/** An R5 turns maintenance on (refused while it is already on: each test leaves it off). */
async function maintenanceOn(env: E2E, reason: string): Promise<ObservedMessage> {
  const on = await env.discord
    .runCommand('bob', 'maintenance', { reason }, { subcommand: 'on' })
    .response(WAIT);
  expect(on.content).toMatch(/Maintenance is on/);
  return on;
}

describe('/maintenance on|off (real bot process)', () => {
  it('R4 cannot turn it on; an R5 can: announced, deploys refused with MAINTENANCE, also after a restart', async () => {
    const env = e2e();
    const denied = await env.discord
      .runCommand('alice', 'maintenance', { reason: 'db upgrade' }, { subcommand: 'on' })
      .response(WAIT);
    expect(denied.content).toMatch(/R5 role/);

    const runsBefore = env.github.runs('example-org/api').length;
    const announced = env.discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title?.startsWith('🛠️ Maintenance is ON')),
      { ...WAIT, onlyNew: true },
    );
    const on = await maintenanceOn(env, 'MongoDB upgrade');
    try {
      expect(on.visibleTo).toBe(env.discord.user('bob').id);
      const posted = await announced;
      expect(posted.embeds[0]?.description).toContain('MongoDB upgrade');

      const refused = await env.discord
        .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
        .response(WAIT);
      expect(refused.content).toMatch(
        /Deploy refused — \*\*MAINTENANCE\*\*: Maintenance is on: MongoDB upgrade/,
      );
      expect(env.github.runs('example-org/api')).toHaveLength(runsBefore);

      await env.bot.restart(); // the state lives in MongoDB
      const still = await env.discord
        .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
        .response(WAIT);
      expect(still.content).toMatch(/MAINTENANCE/);
      expect(env.github.runs('example-org/api')).toHaveLength(runsBefore);
    } finally {
      // Left as it was found: off (the next test turns it on itself).
      await env.discord
        .runCommand('carol', 'maintenance', { reason: 'upgrade done' }, { subcommand: 'off' })
        .response(WAIT);
    }
  }, 90_000);

  it('off: announced, and deploys work again', async () => {
    const env = e2e();
    await maintenanceOn(env, 'index rebuild');
    const runsBefore = apiDeployRuns(env).length;
    const announced = env.discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title?.startsWith('✅ Maintenance is OFF')),
      { ...WAIT, onlyNew: true },
    );
    const off = await env.discord
      .runCommand('carol', 'maintenance', { reason: 'upgrade done' }, { subcommand: 'off' })
      .response(WAIT);
    expect(off.content).toMatch(/Maintenance is off/);
    await announced;
    const reply = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
      .response(WAIT);
    expect(reply.content).toMatch(/Dispatched api → staging/);
    expect(apiDeployRuns(env)).toHaveLength(runsBefore + 1);
    expect(apiDeployRuns(env).at(-1)?.inputs.deploy_id).toBe(/\b(D[0-9A-Z]{8})\b/.exec(reply.content)?.[1]);
  }, 60_000);
});
