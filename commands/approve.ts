import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { option } from '../src/adapters/discord/command-options.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { approveDeploy } from '../src/app/deploys/decide.js';
import { parseId } from '../src/domain/ids.js';

/** /approve id — the same as the card's Approve button (§4.2): an R5 other than the requester. */
export const approve = defineCommand({
  name: 'approve',
  description: 'Approve a pending deploy (R5, not your own)',
  options: {
    id: option.string({
      description: 'The deploy id shown on the card, e.g. D7K3F9QXA',
      required: true,
      maxLength: 20,
      parse: (base) =>
        base.transform((text, ctx) => {
          const id = parseId(text, 'D');
          if (!id) {
            ctx.addIssue({
              code: 'custom',
              message: 'is not a deploy id (it looks like D7K3F9QXA, on the card)',
            });
            return z.NEVER;
          }
          return id;
        }),
    }),
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    return renderProgress(await approveDeploy(deps, actor, options.id), deps.config.discord.guilds[0]?.id);
  },
});
