import { defineCommand } from '../src/adapters/discord/command.js';
import { deployIdOption } from '../src/adapters/discord/command-options.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { approveDeploy } from '../src/app/deploys/decide.js';

/** /approve id — the same as the card's Approve button (§4.2): an R5 other than the requester. */
export const approve = defineCommand({
  name: 'approve',
  description: 'Approve a pending deploy (R5, not your own)',
  options: {
    id: deployIdOption('The deploy id shown on the card, e.g. D7K3F9QXA', 'on the card'),
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    return renderProgress(await approveDeploy(deps, actor, options.id), deps.config.discord.guilds[0]?.id);
  },
});
