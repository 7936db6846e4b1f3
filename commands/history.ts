import { defineCommand } from '../src/adapters/discord/command.js';
import { option } from '../src/adapters/discord/command-options.js';
import { renderHistory } from '../src/adapters/discord/render/history.js';
import { knownService, resolveTarget } from '../src/app/deploys/context.js';
import { serviceOf } from '../src/config.js';

/** /history service [env] — anyone (§3, §10). */
export const history = defineCommand({
  name: 'history',
  description: 'Recent deploys of a service',
  options: {
    service: option.string({
      description: 'The service',
      required: true,
      autocomplete: true,
      minLength: 1,
      maxLength: 40,
    }),
    env: option.string({
      description: 'Only this environment',
      autocomplete: true,
      minLength: 1,
      maxLength: 40,
    }),
  },
  ephemeral: true,
  async run({ options, deps }) {
    knownService(deps, options.service);
    if (options.env) resolveTarget(deps, options.service, options.env);
    const deploys = await deps.repos.deploys.history({
      service: options.service,
      ...(options.env ? { env: options.env } : {}),
      limit: 15,
    });
    return renderHistory(options.service, options.env, deploys);
  },
  autocomplete({ focused, options, deps }) {
    const typed = focused.value.toLowerCase();
    const names =
      focused.name === 'service'
        ? Object.keys(deps.config.services)
        : (serviceOf(deps.config, String(options.service ?? ''))?.environments.map((e) => e.name) ?? []);
    return names.filter((n) => n.startsWith(typed)).map((n) => ({ name: n, value: n }));
  },
});
