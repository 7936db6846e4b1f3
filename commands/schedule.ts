import { defineCommand } from '../src/adapters/discord/command.js';
import { deployIdOption, option } from '../src/adapters/discord/command-options.js';
import { renderScheduleList } from '../src/adapters/discord/render/schedule.js';
import { cancelScheduled, listScheduled } from '../src/app/continuous/schedule.js';
import { knownService } from '../src/app/deploys/context.js';

/** /schedule list (anyone) and /schedule cancel id (the requester or an R5) — scheduled deploys (§15). */
export const schedule = defineCommand({
  name: 'schedule',
  description: 'Scheduled deploys: list, cancel',
  subcommands: {
    list: {
      description: 'Deploys waiting for their time',
      options: {
        service: option.string({
          description: 'Only this service',
          autocomplete: true,
          minLength: 1,
          maxLength: 40,
        }),
      },
    },
    cancel: {
      description: 'Withdraw a scheduled deploy before it fires (the requester or an R5)',
      options: {
        id: deployIdOption('The deploy id, e.g. D7K3F9QXA (see /schedule list)', 'see /schedule list'),
      },
    },
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    switch (options.subcommand) {
      case 'list': {
        if (options.service) knownService(deps, options.service);
        return renderScheduleList(await listScheduled(deps, options.service), options.service);
      }
      case 'cancel': {
        const deploy = await cancelScheduled(deps, actor, options.id);
        return {
          content: `⚪ Cancelled the scheduled deploy ${deploy.id} (${deploy.service} → ${deploy.env}).`,
        };
      }
    }
  },
  autocomplete({ focused, deps }) {
    const typed = focused.value.toLowerCase();
    return Object.keys(deps.config.services)
      .filter((s) => s.startsWith(typed))
      .map((s) => ({ name: s, value: s }));
  },
});
