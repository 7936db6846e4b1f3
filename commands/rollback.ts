import { defineCommand } from '../src/adapters/discord/command.js';
import { option } from '../src/adapters/discord/command-options.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { requestRollback } from '../src/app/rollback.js';
import { deploy, targetOption } from './deploy.js';

/**
 * /rollback service env [to] [emergency] [reason] — R4 or R5 (§3, §8). Needs an R5's approval, unless
 * `emergency` (which declares the incident): then it is dispatched at once and an R5 acknowledges it later.
 */
export const rollback = defineCommand({
  name: 'rollback',
  description: 'Roll a service back to the last verified deploy (or to a version or SHA)',
  options: {
    service: targetOption('The service'),
    env: targetOption('The environment'),
    to: option.string({
      description: 'A deployed version (v2025.03.01) or SHA (default: the last verified deploy)',
      minLength: 1,
      maxLength: 64,
      tooLong: 'is too long',
      parse: (base) => base.regex(/^[\w.-]+$/, 'must be a version such as v2025.03.01 or a commit SHA'),
    }),
    emergency: option.boolean({
      description: 'Declare an incident: dispatch now without approval (an R5 acknowledges later)',
      default: false,
    }),
    reason: option.string({
      description: 'Why (shown on the card)',
      maxLength: 500,
      tooLong: 'is too long: keep it under 500 characters',
    }),
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    const { progress } = await requestRollback(deps, {
      actor,
      service: options.service,
      env: options.env,
      emergency: options.emergency,
      ...(options.to ? { to: options.to } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
    });
    return renderProgress(progress, deps.config.discord.guilds[0]?.id);
  },
  autocomplete: (context) => deploy.autocomplete?.(context) ?? [],
});
