import { SlashCommandBuilder } from 'discord.js';
import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { requestDeploy } from '../src/app/deploys/request.js';
import { serviceOf } from '../src/config.js';

const name = z.string().trim().min(1, 'is required').max(40, 'is too long');

/** /deploy service env [ref] [reason] — R4 or R5 (§3, §4.1). */
export const deploy = defineCommand({
  data: new SlashCommandBuilder()
    .setName('deploy')
    .setDescription('Deploy a service to an environment (prod needs an R5 approval)')
    .addStringOption((o) =>
      o.setName('service').setDescription('The service').setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o.setName('env').setDescription('The environment').setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o
        .setName('ref')
        .setDescription('Branch, tag or SHA (default: the service default ref)')
        .setMaxLength(200),
    )
    .addStringOption((o) =>
      o.setName('reason').setDescription('Why (shown on the card, 500 characters at most)').setMaxLength(500),
    )
    .toJSON(),
  options: z.object({
    service: name,
    env: name,
    ref: z
      .string()
      .trim()
      .min(1)
      .max(200, 'is too long (200 characters at most)')
      .regex(/^[\w./-]+$/, 'must be a branch, tag or commit SHA')
      .optional(),
    reason: z.string().trim().max(500, 'is too long: keep it under 500 characters').optional(),
  }),
  ephemeral: true,
  async run({ options, actor, deps }) {
    const { progress } = await requestDeploy(deps, {
      actor,
      service: options.service,
      env: options.env,
      ...(options.ref ? { ref: options.ref } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
    });
    return renderProgress(progress);
  },
  autocomplete({ focused, options, deps }) {
    const typed = focused.value.toLowerCase();
    if (focused.name === 'service') {
      return Object.keys(deps.config.services)
        .filter((s) => s.startsWith(typed))
        .map((s) => ({ name: s, value: s }));
    }
    if (focused.name === 'env') {
      const service = serviceOf(deps.config, String(options.service ?? ''));
      const envs = service
        ? service.environments.map((e) => e.name)
        : [deps.config.stagingEnvironment, deps.config.prodEnvironment];
      return envs.filter((e) => e.startsWith(typed)).map((e) => ({ name: e, value: e }));
    }
    return [];
  },
});
