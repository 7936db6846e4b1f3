import { defineCommand } from '../src/adapters/discord/command.js';
import { option } from '../src/adapters/discord/command-options.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { requestDeploy } from '../src/app/deploys/request.js';
import { serviceOf } from '../src/config.js';

/** A service or environment name, picked from the suggestions. */
export const targetOption = (description: string) =>
  option.string({
    description,
    required: true,
    autocomplete: true,
    minLength: 1,
    maxLength: 40,
    tooShort: 'is required',
    tooLong: 'is too long',
  });

/** /deploy service env [ref] [reason] — R4 or R5 (§3, §4.1). */
export const deploy = defineCommand({
  name: 'deploy',
  description: 'Deploy a service to an environment (prod needs an R5 approval)',
  options: {
    service: targetOption('The service'),
    env: targetOption('The environment'),
    ref: option.string({
      description: 'Branch, tag or SHA (default: the service default ref)',
      minLength: 1,
      maxLength: 200,
      parse: (base) => base.regex(/^[\w./-]+$/, 'must be a branch, tag or commit SHA'),
    }),
    reason: option.string({
      description: 'Why (shown on the card, 500 characters at most)',
      maxLength: 500,
      tooLong: 'is too long: keep it under 500 characters',
    }),
  },
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
