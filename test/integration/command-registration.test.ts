import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createRest, registerCommands } from '../../src/adapters/discord/gateway.js';
import { createLogger } from '../../src/logger.js';
import { startLocalDiscord, type LocalDiscord } from '../../src/sandbox/discord/index.js';

const APP = '990000000000000900';
const GUILD = '990000000000000001';
let discord: LocalDiscord | undefined;
afterEach(async () => {
  await discord?.close();
});

describe('command registration', () => {
  it('registers guild-only commands and reports created, then unchanged, then updated', async () => {
    discord = await startLocalDiscord({
      appId: APP,
      botToken: 'reg.token',
      guild: {
        id: GUILD,
        name: 'g',
        channelId: '990000000000000010',
        roles: { r4: '990000000000000104', r5: '990000000000000105' },
      },
    });
    const rest = createRest({ token: 'reg.token', api: discord.apiUrl });
    const log = createLogger({ level: 'silent' });
    const register = (list = commands) =>
      registerCommands({ rest, appId: APP, guildIds: [GUILD], commands: list, log });
    const first = await register();
    expect(Object.values(first[GUILD] ?? {})).toEqual(commands.map(() => 'created'));
    const second = await register();
    expect(Object.values(second[GUILD] ?? {})).toEqual(commands.map(() => 'unchanged'));
    const [head, ...rest_] = commands;
    const changed = { ...head!, data: { ...head!.data, description: 'Something else entirely' } };
    const third = await register([changed, ...rest_]);
    expect(third[GUILD]?.[head!.data.name]).toBe('updated');
    expect(Object.values(third[GUILD] ?? {}).filter((c) => c === 'unchanged')).toHaveLength(
      commands.length - 1,
    );
    const stored = (await rest.get(`/applications/${APP}/guilds/${GUILD}/commands`)) as {
      contexts?: number[];
    }[];
    expect(stored.every((c) => JSON.stringify(c.contexts) === '[0]')).toBe(true);
  });

  it('declares the same 500-character limit for reason in the builder as in the zod schema', () => {
    for (const name of ['deploy', 'rollback']) {
      const command = commands.find((c) => c.data.name === name)!;
      const reason = command.data.options?.find((o) => o.name === 'reason') as { max_length?: number };
      expect(reason.max_length).toBe(500);
      const parsed = command.options.safeParse({ service: 'api', env: 'prod', reason: 'x'.repeat(501) });
      expect(parsed.success).toBe(false);
    }
  });
});
