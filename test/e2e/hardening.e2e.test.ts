import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({ config: (base) => ({ ...base, freezeWindows: [] }) });

describe('defect 5: a malformed INTERACTION_CREATE is logged, never fatal', () => {
  it('survives an interaction with neither member nor user, and answers the next command', async () => {
    const { discord, config, bot } = e2e();
    const pid = bot.pid;
    let exited = false;
    void bot.exited.then(() => (exited = true));
    discord.dispatchRaw('INTERACTION_CREATE', {
      id: '1300000000000000001',
      application_id: '1300000000000000002',
      type: 2,
      token: 'malformed-interaction-token',
      version: 1,
      guild_id: config.discord.guilds[0]?.id,
      channel_id: config.discord.opsChannelId,
      data: { id: '1300000000000000003', name: 'health', type: 1 },
      app_permissions: '0',
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: {},
      context: 0,
    });
    // The gateway delivers in order: the malformed packet is handled before this command.
    const reply = await discord.runCommand('alice', 'health').response({ timeoutMs: 15_000 });
    expect(reply.embeds[0]?.title).toMatch(/Release Console/);
    expect(exited).toBe(false);
    expect(bot.pid).toBe(pid);
    expect(bot.logs('malformed interaction dropped')).toHaveLength(1);
  });
});
