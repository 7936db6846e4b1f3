import { describe, expect, it } from 'vitest';
import { ConsoleSession } from '../../src/sandbox/console/session.js';
import { useE2E } from './harness.js';

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({ config: (base) => ({ ...base, freezeWindows: [] }) });

describe('the real bot against the stand-ins', () => {
  it('holds exactly one gateway connection', () => {
    expect(e2e().discord.gatewayConnections().open).toBe(1);
  });

  it('registers its commands in the configured guild only, never globally', () => {
    const { discord, config } = e2e();
    const names = discord.commands(config.discord.guilds[0]?.id).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['health', 'deploy']));
    expect(discord.globalCommandsRegistered()).toBe(false);
  });

  it('answers /health with an ephemeral health embed', async () => {
    const handle = e2e().discord.runCommand('alice', 'health');
    const reply = await handle.response({ timeoutMs: 15_000 });
    expect(handle.ephemeral).toBe(true);
    expect(reply.visibleTo).toBe(e2e().discord.user('alice').id);
    const embed = reply.embeds[0];
    expect(embed?.title).toMatch(/Release Console/);
    const fields = (embed?.fields ?? []).map((f) => f.name);
    expect(fields).toEqual(expect.arrayContaining(['Leader', 'MongoDB']));
  });

  it('serves /healthz and /readyz over HTTP', async () => {
    const { httpUrl } = e2e();
    const healthz = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(healthz.status).toBe(200);
    const readyz = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    expect(readyz.status).toBe(200);
  });

  it('logs where its HTTP server listens', () => {
    const { bot, env } = e2e();
    expect(bot.logs('http server listening')[0]?.port).toBe(Number(env.PORT));
  });

  it('lets the console drive a prod deploy: request, card with buttons, approval by an R5', async () => {
    const { discord, github, config, bot } = e2e();
    const printed: string[] = [];
    const session = new ConsoleSession({
      discord,
      github,
      config,
      write: (text) => printed.push(text),
      buttonWaitMs: 500,
    });
    session.start();
    const run = async (line: string): Promise<string> => {
      const from = printed.length;
      const result = await session.execute(line);
      expect(result, line).toEqual({ outcome: 'ok' });
      return printed.slice(from).join('\n');
    };
    const prodRuns = () => github.runs('example-org/api').filter((r) => r.inputs.environment === 'prod');
    const runsBefore = prodRuns().length;
    try {
      expect(await run('as alice /deploy service:api env:staging')).toContain('(only you: alice)');
      await bot.waitForLog((l) => l.event === 'deploy.marker' && l.env === 'staging', 15_000);
      // Prod needs the SHA verified on staging: an R4 confirms with the card's button once it shows.
      await discord.waitForMessage((m) => JSON.stringify(m.components).includes('"label":"Verified"'), {
        timeoutMs: 10_000,
      });
      expect(await run('as alice click Verified')).toContain('(only you: alice)');
      await discord.waitForMessage((m) => m.embeds.some((e) => e.description?.includes('✔️ Verified')), {
        timeoutMs: 10_000,
      });

      const requested = await run('as alice /deploy service:api env:prod reason:"weekly release"');
      await discord.waitForMessage((m) => m.components.length > 0 && m.visibleTo === null, {
        timeoutMs: 5_000,
      });
      expect(printed.join('\n')).toContain('[Approve] [Reject]');
      expect(requested).toContain('(only you: alice)');

      expect(await run('as bob approve')).toContain('(only you: bob)');
      expect(prodRuns()).toHaveLength(runsBefore + 1);

      expect(await session.execute('as zed /health')).toEqual({
        outcome: 'failed',
        error: 'unknown user "zed" (users: alice, bob, carol, dave)',
      });
      expect(await session.execute('as bob click Nope')).toEqual({
        outcome: 'failed',
        error: 'no message in the ops channel has an enabled "Nope" button bob can press',
      });
    } finally {
      session.close();
    }
  });

  // Last: it ends the bot. The harness's afterAll copes with a bot that has already exited.
  it('exits 0 on SIGTERM, within 10 s', async () => {
    const { bot } = e2e();
    bot.kill('SIGTERM');
    const code = await Promise.race([
      bot.exited,
      new Promise<'still running'>((resolve) =>
        setTimeout(() => {
          resolve('still running');
        }, 10_000),
      ),
    ]);
    expect(code).toBe(0);
    expect(bot.logs('stopped')).toHaveLength(1);
  });
});
