import { SlashCommandBuilder } from 'discord.js';
import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { requestSmokeNow } from '../src/app/smoke.js';

/** /smoke run — an R5 runs the nightly smoke now; its summary is posted to the ops channel when done. */
export const smoke = defineCommand({
  data: new SlashCommandBuilder()
    .setName('smoke')
    .setDescription('Nightly smoke on staging')
    .addSubcommand((s) => s.setName('run').setDescription('Run the nightly smoke now (R5)'))
    .toJSON(),
  options: z.object({ subcommand: z.literal('run') }),
  ephemeral: true,
  async run({ actor, deps }) {
    await requestSmokeNow(deps, actor);
    return { content: '🧪 Nightly smoke started; the summary will be posted in the ops channel.' };
  },
});
