import { SlashCommandBuilder } from 'discord.js';
import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { requestRollback } from '../src/app/rollback.js';
import { deploy } from './deploy.js';

const name = z.string().trim().min(1, 'is required').max(40, 'is too long');

/**
 * /rollback service env [to] [emergency] [reason] — R4 or R5 (§3, §8). Needs an R5's approval, unless
 * `emergency` (which declares the incident): then it is dispatched at once and an R5 acknowledges it later.
 */
export const rollback = defineCommand({
  data: new SlashCommandBuilder()
    .setName('rollback')
    .setDescription('Roll a service back to the last verified deploy (or to a version or SHA)')
    .addStringOption((o) =>
      o.setName('service').setDescription('The service').setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o.setName('env').setDescription('The environment').setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o
        .setName('to')
        .setDescription('A deployed version (v2025.03.01) or SHA (default: the last verified deploy)')
        .setMaxLength(64),
    )
    .addBooleanOption((o) =>
      o
        .setName('emergency')
        .setDescription('Declare an incident: dispatch now without approval (an R5 acknowledges later)'),
    )
    .addStringOption((o) => o.setName('reason').setDescription('Why (shown on the card)').setMaxLength(500))
    .toJSON(),
  options: z.object({
    service: name,
    env: name,
    to: z
      .string()
      .trim()
      .min(1)
      .max(64, 'is too long')
      .regex(/^[\w.-]+$/, 'must be a version such as v2025.03.01 or a commit SHA')
      .optional(),
    emergency: z.boolean().default(false),
    reason: z.string().trim().max(500, 'is too long: keep it under 500 characters').optional(),
  }),
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
