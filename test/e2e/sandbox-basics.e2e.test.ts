import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

const e2e = useE2E();

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
