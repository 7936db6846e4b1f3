import { defineCommand } from '../src/adapters/discord/command.js';
import { renderHealth } from '../src/adapters/discord/render/health.js';
import { healthReport } from '../src/app/health.js';

/** /health — anyone in the guild (§3): the bot's own state and what is deployed where (§9). */
export const health = defineCommand({
  name: 'health',
  description: 'Release Console status: gateway, database, jobs, GitHub, deployed versions',
  ephemeral: true,
  async run({ deps }) {
    return renderHealth(await healthReport(deps));
  },
});
