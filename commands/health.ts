import { SlashCommandBuilder } from 'discord.js';
import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { renderHealth } from '../src/adapters/discord/render/health.js';
import { healthReport } from '../src/app/health.js';

/** /health — anyone in the guild (§3): the bot's own state and what is deployed where (§9). */
export const health = defineCommand({
  data: new SlashCommandBuilder()
    .setName('health')
    .setDescription('Release Console status: gateway, database, jobs, GitHub, deployed versions')
    .toJSON(),
  options: z.object({}),
  ephemeral: true,
  async run({ deps }) {
    return renderHealth(await healthReport(deps));
  },
});
