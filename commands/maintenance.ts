import { SlashCommandBuilder } from 'discord.js';
import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { setMaintenance } from '../src/app/maintenance.js';
import { userText } from '../src/domain/text.js';

const reason = z.string().trim().min(3, 'give a few words').max(500, 'is too long (500 characters at most)');

/** /maintenance on|off reason — R5 (§3, §7): deploys refused and non-critical jobs paused while on. */
export const maintenance = defineCommand({
  data: new SlashCommandBuilder()
    .setName('maintenance')
    .setDescription('Maintenance mode: refuse deploys and pause non-critical jobs (R5)')
    .addSubcommand((s) =>
      s
        .setName('on')
        .setDescription('Turn maintenance on')
        .addStringOption((o) =>
          o.setName('reason').setDescription('Why').setRequired(true).setMaxLength(500),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('off')
        .setDescription('Turn maintenance off')
        .addStringOption((o) =>
          o.setName('reason').setDescription('Why').setRequired(true).setMaxLength(500),
        ),
    )
    .toJSON(),
  options: z.object({ subcommand: z.enum(['on', 'off']), reason }),
  ephemeral: true,
  async run({ options, actor, deps }) {
    const on = options.subcommand === 'on';
    const { voided, offered } = await setMaintenance(deps, actor, on, options.reason);
    const extra = on
      ? voided
        ? ` ${voided} pending approval(s) void.`
        : ''
      : offered
        ? ` ${offered} queued request(s) offered again.`
        : '';
    return {
      content: `${on ? '🛠️ Maintenance is on' : '✅ Maintenance is off'}: ${userText(options.reason, 300)}.${extra}`,
    };
  },
});
