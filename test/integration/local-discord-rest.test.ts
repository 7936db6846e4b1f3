import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachmentBuilder,
  ButtonStyle,
  ComponentType,
  Client,
  DiscordAPIError,
  GatewayIntentBits,
  Routes,
  type TextChannel,
} from 'discord.js';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalDiscord, type LocalDiscord } from '../../src/sandbox/discord/index.js';

const OPTIONS = {
  appId: '1100000000000000001',
  botToken: 'local-bot-token',
  guild: {
    id: '1200000000000000001',
    name: 'Release Ops',
    channelId: '1300000000000000001',
    roles: { r4: '1400000000000000004', r5: '1400000000000000005' },
  },
};

interface SpecSchema {
  safeParse(value: unknown): { success: boolean; error?: { issues: unknown[] } };
}
// Discord's published OpenAPI document, as zod schemas (the package ships no type declarations).
const specModule = 'discord-api-spec/zod';
const spec = (await import(specModule)) as Record<string, SpecSchema>;

function expectSpec(schemaName: string, value: unknown): void {
  const schema = spec[schemaName];
  if (!schema) throw new Error(`no schema ${schemaName} in discord-api-spec`);
  const result = schema.safeParse(value);
  expect(result.error?.issues ?? [], `${schemaName}: ${JSON.stringify(result.error?.issues)}`).toEqual([]);
  expect(result.success).toBe(true);
}

let discord: LocalDiscord;
let client: Client;
let ops: TextChannel;

beforeEach(async () => {
  discord = await startLocalDiscord(OPTIONS);
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  const ready = once(client, 'clientReady');
  await client.login(OPTIONS.botToken);
  await ready;
  ops = client.channels.cache.get(OPTIONS.guild.channelId) as TextChannel;
});

afterEach(async () => {
  await client.destroy();
  await discord.close();
});

async function rejection(promise: Promise<unknown>): Promise<DiscordAPIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiscordAPIError) return error;
    throw error;
  }
  throw new Error('expected Discord to refuse the request');
}

const api = (path: string): Promise<Response> =>
  fetch(`${discord.apiUrl}/v10${path}`, { headers: { authorization: `Bot ${OPTIONS.botToken}` } });

const button = (customId: string, label = 'Go') => ({
  type: ComponentType.Button as const,
  style: ButtonStyle.Primary as const,
  custom_id: customId,
  label,
});

describe('local Discord REST validation (Discord-shaped 400s through discord.js)', () => {
  it('rejects a 2001-character message with 50035 and accepts 2000', async () => {
    const error = await rejection(ops.send('x'.repeat(2001)));
    expect(error.code).toBe(50035);
    expect(error.status).toBe(400);
    expect(JSON.stringify(error.rawError)).toContain('BASE_TYPE_MAX_LENGTH');
    const ok = await ops.send('x'.repeat(2000));
    expect(discord.message(ok.id).content).toHaveLength(2000);
  });

  it('rejects component layouts Discord rejects: long custom_id, a 6th row, a 6th button, a long label', async () => {
    const cases = [
      [{ type: 1, components: [button('c'.repeat(101))] }],
      Array.from({ length: 6 }, (_, i) => ({ type: 1, components: [button(`b${i}`)] })),
      [{ type: 1, components: Array.from({ length: 6 }, (_, i) => button(`b${i}`)) }],
      [{ type: 1, components: [button('ok', 'l'.repeat(81))] }],
      [{ type: 1, components: [button('same'), button('same')] }],
    ];
    for (const components of cases) {
      const error = await rejection(
        client.rest.post(Routes.channelMessages(ops.id), { body: { content: 'c', components } }),
      );
      expect(error.code).toBe(50035);
    }
    expect(discord.history()).toEqual([]);
  });

  it('enforces embed limits', async () => {
    const bodies = [
      { embeds: [{ title: 't'.repeat(257) }] },
      { embeds: [{ description: 'd'.repeat(4097) }] },
      { embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }] },
      { embeds: [{ fields: [{ name: 'n', value: 'v'.repeat(1025) }] }] },
      { embeds: [{ footer: { text: 'f'.repeat(2049) } }] },
      { embeds: [{ author: { name: 'a'.repeat(257) } }] },
      { embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] },
      { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) },
    ];
    for (const body of bodies) {
      const error = await rejection(client.rest.post(Routes.channelMessages(ops.id), { body }));
      expect(error.code, JSON.stringify(body).slice(0, 80)).toBe(50035);
    }
  });

  it('rejects malformed allowed_mentions and an empty message', async () => {
    const bad = [
      { parse: ['users'], users: [discord.user('bob').id] },
      { parse: ['roles'], roles: [OPTIONS.guild.roles.r5] },
      { parse: ['channels'] },
    ];
    for (const allowed_mentions of bad) {
      const error = await rejection(
        client.rest.post(Routes.channelMessages(ops.id), { body: { content: 'hi', allowed_mentions } }),
      );
      expect(error.code).toBe(50035);
    }
    expect((await rejection(client.rest.post(Routes.channelMessages(ops.id), { body: {} }))).code).toBe(
      50006,
    );
  });

  it('records who a message pinged', async () => {
    const r5 = OPTIONS.guild.roles.r5;
    const bob = discord.user('bob').id;
    const quiet = await ops.send({
      content: `<@&${r5}> <@${bob}> @everyone`,
      allowedMentions: { parse: [] },
    });
    expect(discord.message(quiet.id).ping).toEqual({ users: [], roles: [], everyone: false });
    const rolePing = await ops.send({
      content: `<@&${r5}> please approve, <@${bob}>`,
      allowedMentions: { roles: [r5] },
    });
    expect(discord.message(rolePing.id).ping).toEqual({ users: [], roles: [r5], everyone: false });
    const loud = await ops.send('@everyone look');
    expect(discord.message(loud.id).ping.everyone).toBe(true);
    expect(discord.pings().map((m) => m.id)).toEqual([rolePing.id, loud.id]);
  });

  it('accepts multipart uploads and records attachment names, sizes and content', async () => {
    const csv = 'deploy,env\n1,prod\n';
    const sent = await ops.send({
      content: 'export',
      files: [new AttachmentBuilder(Buffer.from(csv), { name: 'audit.csv' })],
    });
    const stored = discord.message(sent.id);
    expect(stored.attachments.map((a) => [a.filename, a.size])).toEqual([['audit.csv', csv.length]]);
    expect(stored.files[0]?.content.toString()).toBe(csv);
    expect(sent.attachments.first()?.name).toBe('audit.csv');
    expect(await (await fetch(stored.attachments[0]!.url)).text()).toBe(csv);
  });

  it('creates threads under messages, posts into them, pins and edits messages', async () => {
    const card = await ops.send('Deploy api to prod');
    const thread = await card.startThread({ name: 'deploy api prod' });
    expect(thread.id).toBe(card.id);
    await thread.send('run started');
    expect(discord.history(thread.id).map((m) => m.content)).toEqual(['run started']);
    await card.pin();
    const pins = (await (await api(`/channels/${ops.id}/pins`)).json()) as { id: string }[];
    expect(pins.map((p) => p.id)).toEqual([card.id]);
    await card.edit({ content: 'Deploy api to prod: done' });
    const edited = discord.message(card.id);
    expect(edited.content).toBe('Deploy api to prod: done');
    expect(edited.edited_timestamp).not.toBeNull();
  });

  it('refuses a thread auto_archive_duration Discord does not offer, and accepts the four it does', async () => {
    const card = await ops.send('Deploy web to staging');
    const refused = await rejection(
      client.rest.post(Routes.threads(ops.id, card.id), {
        body: { name: 'bad', auto_archive_duration: 120 },
      }),
    );
    expect(refused).toMatchObject({ status: 400, code: 50035 });
    for (const minutes of [60, 1440, 4320, 10080]) {
      const message = await ops.send(`Deploy ${minutes}`);
      const thread = (await client.rest.post(Routes.threads(ops.id, message.id), {
        body: { name: `ok ${minutes}`, auto_archive_duration: minutes },
      })) as { thread_metadata?: { auto_archive_duration?: number } };
      expect(thread.thread_metadata?.auto_archive_duration).toBe(minutes);
    }
  });

  it('answers a message repeated with the same nonce (enforce_nonce) with the first one, not a second', async () => {
    const body = { content: 'marker', nonce: 'nonce-of-one-effect', enforce_nonce: true };
    const first = (await client.rest.post(Routes.channelMessages(ops.id), { body })) as { id: string };
    const again = (await client.rest.post(Routes.channelMessages(ops.id), { body })) as { id: string };
    expect(again.id).toBe(first.id);
    expect(discord.history(ops.id).filter((m) => m.content === 'marker')).toHaveLength(1);
    const other = (await client.rest.post(Routes.channelMessages(ops.id), {
      body: { ...body, nonce: 'another-effect' },
    })) as { id: string };
    expect(other.id).not.toBe(first.id);
    const tooLong = await rejection(
      client.rest.post(Routes.channelMessages(ops.id), { body: { ...body, nonce: 'x'.repeat(26) } }),
    );
    expect(tooLong).toMatchObject({ status: 400, code: 50035 });
  });

  it('answers a second acknowledgement of one interaction with 40060', async () => {
    await client.rest.put(Routes.applicationGuildCommands(OPTIONS.appId, OPTIONS.guild.id), {
      body: [{ name: 'ping', description: 'Ping' }],
    });
    const seen = once(client, 'interactionCreate');
    const handle = discord.runCommand('alice', 'ping');
    const [interaction] = (await seen) as [{ id: string; token: string }];
    const callback = Routes.interactionCallback(interaction.id, interaction.token);
    await client.rest.post(callback, { body: { type: 4, data: { content: 'pong' } }, auth: false });
    const error = await rejection(
      client.rest.post(callback, { body: { type: 4, data: { content: 'again' } }, auth: false }),
    );
    expect(error.code).toBe(40060);
    expect(error.status).toBe(400);
    expect((await handle.response()).content).toBe('pong');
    const original = await api(`/webhooks/${OPTIONS.appId}/${interaction.token}/messages/@original`);
    expectSpec('MessageResponseSchema', await original.json());
  });

  it('answers an acknowledgement later than 3 s with 10062 Unknown interaction', async () => {
    await client.rest.put(Routes.applicationGuildCommands(OPTIONS.appId, OPTIONS.guild.id), {
      body: [{ name: 'slow', description: 'Slow' }],
    });
    const seen = once(client, 'interactionCreate');
    discord.runCommand('alice', 'slow');
    const [interaction] = (await seen) as [{ id: string; token: string }];
    await sleep(3_200);
    const error = await rejection(
      client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
        body: { type: 5 },
        auth: false,
      }),
    );
    expect(error.code).toBe(10062);
    expect(error.status).toBe(404);
  });

  it('sends x-ratelimit headers, and discord.js retries an injected 429 and then succeeds', async () => {
    const normal = await api('/users/@me');
    expect(normal.headers.get('x-ratelimit-limit')).not.toBeNull();
    expect(normal.headers.get('x-ratelimit-bucket')).not.toBeNull();
    const limited: unknown[] = [];
    client.rest.on('rateLimited', (info) => limited.push(info));
    discord.rateLimitNext(`POST /channels/${ops.id}/messages`, 0.2);
    const sent = await ops.send('after the limit');
    expect(limited).toHaveLength(1);
    expect(discord.message(sent.id).content).toBe('after the limit');
    expect(discord.history()).toHaveLength(1);
  });

  it('answers injected 5xx on message edits without applying them; discord.js retries and then gives up', async () => {
    const sent = await ops.send('v1');
    const route = `PATCH /channels/${ops.id}/messages/${sent.id}`;
    // Two failures: within discord.js's retries, so the edit lands on the third attempt.
    discord.failNextRequests(route, 503, 2);
    await sent.edit('v2');
    expect(discord.injectedFailures()).toEqual({ served: 2, pending: 0 });
    expect(discord.message(sent.id).content).toBe('v2');
    // As many failures as discord.js makes attempts (one and three retries): the edit fails with the status.
    discord.failNextRequests(route, 500, 4);
    await expect(sent.edit('v3')).rejects.toMatchObject({ status: 500 });
    expect(discord.message(sent.id).content).toBe('v2');
    // Other routes are not affected while failures are pending for this one.
    const other = await ops.send('untouched');
    expect(discord.message(other.id).content).toBe('untouched');
    expect(discord.injectedFailures()).toEqual({ served: 6, pending: 0 });
    // The raw answer: Discord's JSON error shape, and nothing applied.
    discord.failNextRequests(route, 502);
    const raw = await fetch(`${discord.apiUrl}/v10/channels/${ops.id}/messages/${sent.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bot ${OPTIONS.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'v4' }),
    });
    expect(raw.status).toBe(502);
    expect(await raw.json()).toEqual({ message: '502: Bad Gateway', code: 0 });
    expect(discord.message(sent.id).content).toBe('v2');
  });

  it('requires the bot token', async () => {
    const response = await fetch(`${discord.apiUrl}/v10/users/@me`, {
      headers: { authorization: 'Bot wrong' },
    });
    expect(response.status).toBe(401);
    const ws = new WebSocket(discord.gatewayUrl);
    await once(ws, 'message');
    ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(4004);
  });

  it('records global command registration separately from guild registration', async () => {
    await client.rest.put(Routes.applicationGuildCommands(OPTIONS.appId, OPTIONS.guild.id), {
      body: [{ name: 'health', description: 'Health' }],
    });
    expect(discord.globalCommandsRegistered()).toBe(false);
    await client.rest.put(Routes.applicationCommands(OPTIONS.appId), {
      body: [{ name: 'health', description: 'Health' }],
    });
    expect(discord.globalCommandsRegistered()).toBe(true);
    const invalid = await rejection(
      client.rest.put(Routes.applicationGuildCommands(OPTIONS.appId, OPTIONS.guild.id), {
        body: [{ name: 'Bad Name', description: 'x' }],
      }),
    );
    expect(invalid.code).toBe(50035);
  });
});

describe('local Discord answers match the discord-api-spec OpenAPI schemas', () => {
  it('GET /gateway/bot, /users/@me, guild, member and channel', async () => {
    expectSpec('GatewayBotResponseSchema', await (await api('/gateway/bot')).json());
    expectSpec('UserPIIResponseSchema', await (await api('/users/@me')).json());
    expectSpec('GuildResponseSchema', await (await api(`/guilds/${OPTIONS.guild.id}`)).json());
    expectSpec(
      'GuildMemberResponseSchema',
      await (await api(`/guilds/${OPTIONS.guild.id}/members/${discord.user('bob').id}`)).json(),
    );
    expectSpec(
      'GuildChannelResponseSchema',
      await (await api(`/channels/${OPTIONS.guild.channelId}`)).json(),
    );
  });

  it('messages, threads and application commands', async () => {
    const registered = (await client.rest.put(
      Routes.applicationGuildCommands(OPTIONS.appId, OPTIONS.guild.id),
      {
        body: [
          {
            name: 'deploy',
            description: 'Deploy',
            options: [{ type: 3, name: 'service', description: 'Service', required: true }],
          },
        ],
      },
    )) as unknown[];
    for (const command of registered) expectSpec('ApplicationCommandResponseSchema', command);
    const sent = await ops.send({
      content: 'card',
      embeds: [{ title: 'Deploy', fields: [{ name: 'env', value: 'prod' }] }],
      components: [{ type: ComponentType.ActionRow, components: [button('approve:1', 'Approve')] }],
      files: [new AttachmentBuilder(Buffer.from('a'), { name: 'a.txt' })],
    });
    expectSpec('MessageResponseSchema', await (await api(`/channels/${ops.id}/messages/${sent.id}`)).json());
    const thread = await sent.startThread({ name: 'log' });
    expectSpec('ThreadResponseSchema', await (await api(`/channels/${thread.id}`)).json());
  });
});
