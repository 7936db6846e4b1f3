import { once } from 'node:events';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  GatewayIntentBits,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
} from 'discord.js';
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

const COMMANDS = [
  {
    name: 'deploy',
    description: 'Deploy a service',
    options: [
      { type: 3, name: 'service', description: 'Service', required: true, autocomplete: true },
      {
        type: 3,
        name: 'env',
        description: 'Environment',
        required: true,
        choices: [
          { name: 'staging', value: 'staging' },
          { name: 'prod', value: 'prod' },
        ],
      },
      { type: 4, name: 'count', description: 'How many' },
      { type: 5, name: 'dry', description: 'Dry run' },
    ],
  },
  {
    name: 'freeze',
    description: 'Freeze windows',
    options: [
      { type: 1, name: 'list', description: 'List freezes' },
      {
        type: 1,
        name: 'start',
        description: 'Start a freeze',
        options: [{ type: 3, name: 'reason', description: 'Why', required: true }],
      },
    ],
  },
  { name: 'approve', description: 'Approval card' },
  { name: 'override', description: 'Emergency override' },
  { name: 'ignored', description: 'The bot never answers this one' },
];

let discord: LocalDiscord;
let client: Client;

async function connectClient(): Promise<Client> {
  const c = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  const ready = once(c, 'clientReady');
  await c.login(OPTIONS.botToken);
  await ready;
  return c;
}

beforeEach(async () => {
  discord = await startLocalDiscord(OPTIONS);
  client = await connectClient();
  await client.rest.put(Routes.applicationGuildCommands(OPTIONS.appId, OPTIONS.guild.id), { body: COMMANDS });
  client.on('interactionCreate', (interaction) => {
    void handle(interaction);
  });
});

afterEach(async () => {
  await client.destroy();
  await discord.close();
});

async function handle(interaction: Interaction): Promise<void> {
  if (interaction.isAutocomplete()) {
    const typed = interaction.options.getFocused();
    await interaction.respond(
      ['api', 'web', 'worker'].filter((s) => s.startsWith(typed)).map((s) => ({ name: s, value: s })),
    );
    return;
  }
  if (interaction.isChatInputCommand()) {
    switch (interaction.commandName) {
      case 'deploy': {
        await interaction.deferReply();
        const roles = interaction.inCachedGuild()
          ? interaction.member.roles.cache.map((r) => r.name).sort()
          : [];
        const count = interaction.options.getInteger('count');
        const dry = interaction.options.getBoolean('dry');
        await interaction.editReply({
          content: `deploy ${interaction.options.getString('service', true)} to ${interaction.options.getString('env', true)} count=${String(count)}:${typeof count} dry=${String(dry)} by ${interaction.user.username} [${roles.join(',')}]`,
          allowedMentions: { parse: [] },
        });
        return;
      }
      case 'freeze':
        await interaction.reply({
          content:
            `freeze ${interaction.options.getSubcommand()} ${interaction.options.getString('reason') ?? ''}`.trim(),
          flags: MessageFlags.Ephemeral,
        });
        return;
      case 'approve': {
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('approve:1').setLabel('Approve').setStyle(ButtonStyle.Success),
          new ButtonBuilder()
            .setCustomId('reject:1')
            .setLabel('Reject')
            .setStyle(ButtonStyle.Danger)
            .setDisabled(true),
        );
        await interaction.reply({ content: 'Approval needed', components: [row] });
        return;
      }
      case 'override': {
        const modal = new ModalBuilder()
          .setCustomId('override-modal')
          .setTitle('Emergency override')
          .addLabelComponents(
            new LabelBuilder()
              .setLabel('Rollback plan')
              .setTextInputComponent(
                new TextInputBuilder().setCustomId('plan').setStyle(TextInputStyle.Paragraph),
              ),
          );
        await interaction.showModal(modal);
        return;
      }
      default:
        return;
    }
  }
  if (interaction.isButton() && interaction.customId === 'approve:1') {
    await interaction.update({ content: `Approved by ${interaction.user.username}`, components: [] });
    return;
  }
  if (interaction.isModalSubmit()) {
    await interaction.reply({
      content: `plan: ${interaction.fields.getTextInputValue('plan')}`,
      flags: MessageFlags.Ephemeral,
    });
  }
}

describe('local Discord with the real discord.js client', () => {
  it('logs the client in with the guild, its roles, members and the ops channel cached', () => {
    const guild = client.guilds.cache.get(OPTIONS.guild.id);
    expect(guild?.name).toBe('Release Ops');
    expect(guild?.roles.cache.get(OPTIONS.guild.roles.r5)?.name).toBe('R5');
    expect(guild?.roles.everyone.id).toBe(OPTIONS.guild.id);
    expect(guild?.channels.cache.get(OPTIONS.guild.channelId)?.name).toBe('ops');
    const bob = guild?.members.cache.find((m) => m.user.username === 'bob');
    expect(bob?.roles.cache.has(OPTIONS.guild.roles.r5)).toBe(true);
    expect(client.user?.id).toBe(OPTIONS.appId);
    expect(discord.users().map((u) => `${u.name}:${u.roles.join('+')}`)).toEqual([
      'alice:R4',
      'bob:R5',
      'carol:R5',
      'dave:',
    ]);
    expect(discord.gatewayConnections()).toEqual({ open: 1, totalIdentified: 1 });
  });

  it('delivers a slash command with typed options; a deferred reply resolves once edited', async () => {
    expect(discord.commands().map((c) => c.name)).toContain('deploy');
    const handle = discord.runCommand('alice', 'deploy', {
      service: 'api',
      env: 'prod',
      count: '2',
      dry: 'true',
    });
    const message = await handle.response();
    expect(message.content).toBe('deploy api to prod count=2:number dry=true by alice [@everyone,R4]');
    expect(handle.callbackType).toBe(5);
    expect(handle.ephemeral).toBe(false);
    expect(message.interaction_metadata?.user.id).toBe(discord.user('alice').id);
    expect(message.ping).toEqual({ users: [], roles: [], everyone: false });
  });

  it('routes subcommands and ephemeral replies visible to the invoking user only', async () => {
    const handle = discord.runCommand('bob', 'freeze', { reason: 'release day' }, { subcommand: 'start' });
    const message = await handle.response();
    expect(message.content).toBe('freeze start release day');
    expect(handle.ephemeral).toBe(true);
    expect(message.visibleTo).toBe(discord.user('bob').id);
  });

  it('refuses unknown options, wrong types, bad choices and unregistered commands with clear errors', () => {
    expect(() =>
      discord.runCommand('alice', 'deploy', { service: 'api', env: 'prod', colour: 'red' }),
    ).toThrow(/no option "colour"/);
    expect(() =>
      discord.runCommand('alice', 'deploy', { service: 'api', env: 'prod', count: 'two' }),
    ).toThrow(/expected integer/);
    expect(() => discord.runCommand('alice', 'deploy', { service: 'api', env: 'qa' })).toThrow(
      /not one of the choices/,
    );
    expect(() => discord.runCommand('alice', 'deploy', { service: 'api' })).toThrow(/needs option "env"/);
    expect(() => discord.runCommand('alice', 'nope')).toThrow(/\/nope is not registered/);
    expect(() => discord.runCommand('zoe', 'deploy')).toThrow(/no user "zoe"/);
  });

  it('answers autocomplete with the choices the bot returns for the focused option', async () => {
    const choices = await discord.autocomplete('alice', 'deploy', 'service', 'w', { env: 'prod' });
    expect(choices).toEqual([
      { name: 'web', value: 'web' },
      { name: 'worker', value: 'worker' },
    ]);
  });

  it('clicks a button and sees the message updated in place; disabled buttons cannot be clicked', async () => {
    const card = await discord.runCommand('alice', 'approve').response();
    expect(() => discord.click('bob', card, 'Reject')).toThrow(/disabled/);
    expect(() => discord.click('bob', card, 'Nope')).toThrow(/no button "Nope"/);
    const click = discord.click('bob', card, 'Approve');
    const updated = await click.response();
    expect(updated.id).toBe(card.id);
    expect(updated.content).toBe('Approved by bob');
    expect(updated.components).toEqual([]);
    expect(discord.message(card.id).edited_timestamp).not.toBeNull();
  });

  it('shows a modal and submits it', async () => {
    const open = discord.runCommand('bob', 'override');
    const modal = await open.modal();
    expect(modal.title).toBe('Emergency override');
    const submitted = await discord.submitModal('bob', open, { plan: 'roll back to 1.2.3' });
    expect((await submitted.response()).content).toBe('plan: roll back to 1.2.3');
    await expect(discord.submitModal('bob', 'override-modal', { wrong: 'x' })).rejects.toThrow(
      /no field "wrong"/,
    );
  });

  it('reports a bot that never acknowledges, as Discord does after 3 seconds', async () => {
    await expect(discord.runCommand('dave', 'ignored').response()).rejects.toThrow(/did not acknowledge/);
  });

  it('counts gateway sessions: a second client is a second identified, open connection', async () => {
    const second = await connectClient();
    expect(discord.gatewayConnections()).toEqual({ open: 2, totalIdentified: 2 });
    await second.destroy();
    await expect.poll(() => discord.gatewayConnections().open).toBe(1);
    expect(discord.gatewayConnections().totalIdentified).toBe(2);
  });

  it('lets a dropped client resume its session and keeps delivering interactions', async () => {
    const resumed = once(client, 'shardResume');
    discord.disconnectGateway();
    await resumed;
    expect(discord.gatewayConnections()).toEqual({ open: 1, totalIdentified: 1 });
    const message = await discord.runCommand('carol', 'freeze', {}, { subcommand: 'list' }).response();
    expect(message.content).toBe('freeze list');
  });
});
