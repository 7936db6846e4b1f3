import {
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
} from 'discord.js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRest } from '../../src/adapters/discord/gateway.js';
import {
  createDiscordInteractionsEndpoint,
  discordPublicKey,
  type DiscordInteractionsEndpoint,
} from '../../src/adapters/http/discord-interactions.js';
import { createMetrics } from '../../src/adapters/http/metrics.js';
import { startHttpServer, type HttpServer } from '../../src/adapters/http/server.js';
import { startLocalDiscord, type LocalDiscord } from '../../src/sandbox/discord/index.js';

// HTTP interactions mode against the local Discord server: no gateway session anywhere in this file.
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
const COMMANDS = [
  { name: 'hello', description: 'Deferred, then edited' },
  { name: 'quick', description: 'Answered at once, ephemeral' },
  { name: 'form', description: 'Opens a modal' },
  { name: 'slow', description: 'First answer after the HTTP window' },
  { name: 'silent', description: 'Never answered' },
];

let discord: LocalDiscord;
let http: HttpServer;
let endpoint: DiscordInteractionsEndpoint;
let url: string;

async function handler(interaction: Interaction): Promise<void> {
  if (interaction.isModalSubmit()) {
    await interaction.reply({ content: `plan: ${interaction.fields.getTextInputValue('plan')}` });
    return;
  }
  if (!interaction.isChatInputCommand()) return;
  switch (interaction.commandName) {
    case 'hello':
      await interaction.deferReply();
      await interaction.editReply({ content: `hello ${interaction.user.username}`, allowedMentions: {} });
      return;
    case 'quick':
      await interaction.reply({ content: 'quick', flags: MessageFlags.Ephemeral });
      return;
    case 'form':
      await interaction.showModal(
        new ModalBuilder()
          .setCustomId('plan-modal')
          .setTitle('Plan')
          .addLabelComponents(
            new LabelBuilder()
              .setLabel('Plan')
              .setTextInputComponent(
                new TextInputBuilder().setCustomId('plan').setStyle(TextInputStyle.Short),
              ),
          ),
      );
      return;
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, 300));
      await interaction.reply({ content: 'late but whole' });
      return;
    default:
      return;
  }
}

beforeEach(async () => {
  discord = await startLocalDiscord(OPTIONS);
  await createRest({ token: OPTIONS.botToken, api: discord.apiUrl }).put(
    Routes.applicationGuildCommands(OPTIONS.appId, OPTIONS.guild.id),
    { body: COMMANDS },
  );
  const log = pino({ level: 'silent' });
  endpoint = createDiscordInteractionsEndpoint({
    publicKey: discord.interactionsPublicKey,
    rest: { token: OPTIONS.botToken, api: discord.apiUrl },
    onInteraction: handler,
    log,
    firstAnswerWaitMs: 100,
  });
  http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    metrics: createMetrics({ defaultMetrics: false }),
    handlers: {
      readiness: () => Promise.resolve({ ready: true, checks: {} }),
      discordInteractions: endpoint.handle,
    },
    log,
  });
  url = `http://127.0.0.1:${http.port}/discord/interactions`;
  await discord.setInteractionsEndpoint([url]);
});
afterEach(async () => {
  await endpoint.drain(2_000);
  await http.close();
  await discord.close();
});

const post = (body: string, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', headers, body }).then(async (r) => ({
    status: r.status,
    body: await r.text(),
  }));

describe('POST /discord/interactions', () => {
  it('answers a signed PING with a PONG (how the Developer Portal checks the URL)', async () => {
    const ping = JSON.stringify({ id: '5', application_id: OPTIONS.appId, type: 1, token: 't', version: 1 });
    expect(await post(ping, discord.signInteraction(ping))).toEqual({ status: 200, body: '{"type":1}' });
  });

  it('refuses unsigned, forged, re-signed-with-another-body and stale requests with 401', async () => {
    const ping = JSON.stringify({ id: '5', application_id: OPTIONS.appId, type: 1, token: 't', version: 1 });
    const signed = discord.signInteraction(ping);
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { ...signed, 'x-signature-ed25519': '0'.repeat(128) },
      { ...signed, 'x-signature-ed25519': 'not hex' },
      discord.signInteraction(`${ping} `),
      { ...signed, 'x-signature-timestamp': String(now + 1) },
      discord.signInteraction(ping, now - 3_600),
      { ...signed, 'x-signature-timestamp': '' },
    ];
    for (const headers of cases) expect((await post(ping, headers)).status).toBe(401);
  });

  it('only a POST is read, and a body over 1 MB is refused unread (405, 413)', async () => {
    expect((await fetch(url)).status).toBe(405);
    expect((await post('x'.repeat(1_000_001), { 'content-type': 'application/json' })).status).toBe(413);
  });

  it('a signed body that is not an interaction gets 400, not a crash', async () => {
    for (const body of ['{', '[]', JSON.stringify({ type: 2 }), JSON.stringify({ id: '7', type: 99 })])
      expect((await post(body, discord.signInteraction(body))).status).toBe(400);
  });

  it('routes a command to the handler with no gateway session: defer as the HTTP answer, edit by REST', async () => {
    const reply = await discord.runCommand('alice', 'hello').response();
    expect(reply.content).toBe('hello alice');
    expect(discord.gatewayConnections().totalIdentified).toBe(0);
    expect(discord.interactionDeliveries()).toMatchObject({ answered: 1, lost: 0 });
  });

  it('an immediate ephemeral reply, a modal and its submission all travel as HTTP answers', async () => {
    const quick = discord.runCommand('alice', 'quick');
    expect((await quick.response()).content).toBe('quick');
    expect(quick.ephemeral).toBe(true);
    const form = discord.runCommand('bob', 'form');
    await form.modal();
    const submitted = await discord.submitModal('bob', form, { plan: 'roll back to 2026.11.1' });
    expect((await submitted.response()).content).toBe('plan: roll back to 2026.11.1');
  });

  it('a handler slower than the HTTP window is answered "thinking…", and its reply fills that in', async () => {
    const slow = discord.runCommand('alice', 'slow');
    expect(await slow.acknowledged()).toBe(5);
    await expect.poll(async () => (await slow.response()).content, { timeout: 3_000 }).toBe('late but whole');
  });

  it('once stopping, interactions get 503 and go to the next instance behind the load balancer', async () => {
    const log = pino({ level: 'silent' });
    const second = createDiscordInteractionsEndpoint({
      publicKey: discord.interactionsPublicKey,
      rest: { token: OPTIONS.botToken, api: discord.apiUrl },
      onInteraction: handler,
      log,
    });
    const other = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics({ defaultMetrics: false }),
      handlers: {
        readiness: () => Promise.resolve({ ready: true, checks: {} }),
        discordInteractions: second.handle,
      },
      log,
    });
    try {
      await discord.setInteractionsEndpoint([url, `http://127.0.0.1:${other.port}/discord/interactions`]);
      endpoint.stopAccepting();
      const replies = await Promise.all(
        [0, 1, 2, 3].map(() => discord.runCommand('alice', 'quick').response()),
      );
      expect(replies.map((r) => r.content)).toEqual(['quick', 'quick', 'quick', 'quick']);
      expect(discord.interactionDeliveries()).toMatchObject({ answered: 4, lost: 0 });
      expect(discord.interactionDeliveries().failedOver).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('the public key must be the 64 hex characters of an Ed25519 key', () => {
    expect(() => discordPublicKey('abc')).toThrow(/64 hexadecimal/);
    expect(discordPublicKey(discord.interactionsPublicKey).asymmetricKeyType).toBe('ed25519');
  });

  it('the local Discord refuses an endpoint URL that does not check signatures', async () => {
    const lax = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics({ defaultMetrics: false }),
      handlers: {
        readiness: () => Promise.resolve({ ready: true, checks: {} }),
        discordInteractions: () => Promise.resolve({ status: 200, body: '{"type":1}' }),
      },
      log: pino({ level: 'silent' }),
    });
    try {
      await expect(
        discord.setInteractionsEndpoint([`http://127.0.0.1:${lax.port}/discord/interactions`]),
      ).rejects.toThrow(/accepted a forged signature/);
    } finally {
      await lax.close();
    }
  });
});
