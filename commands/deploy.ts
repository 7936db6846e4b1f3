import { defineCommand } from '../src/adapters/discord/command.js';
import { option } from '../src/adapters/discord/command-options.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { requestDeploy } from '../src/app/deploys/request.js';
import { serviceOf } from '../src/config.js';
import { scheduleDeploy } from '../src/app/continuous/schedule.js';
import { UserFacingError } from '../src/domain/errors.js';
import { parseScheduleTime } from '../src/domain/schedule-time.js';

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

/** /deploy service env [ref] [reason] [at] — R4 or R5 (§3, §4.1; `at`: a scheduled deploy, §15). */
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
    // Scheduled deploys (§15): read against the clock when the command runs, in the bot's timezone.
    at: option.string({
      description: 'When to deploy: "19:00", "2026-11-28 19:00", ISO 8601 or a Discord timestamp',
      minLength: 1,
      maxLength: 60,
      tooLong: 'is too long',
    }),
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    if (options.at !== undefined) {
      const at = parseScheduleTime(options.at, deps.clock.now(), deps.config.timezone);
      if (!at.ok) throw new UserFacingError('BAD_INPUT', at.reason);
      return renderProgress(
        await scheduleDeploy(deps, {
          actor,
          service: options.service,
          env: options.env,
          at: at.at,
          ...(options.ref ? { ref: options.ref } : {}),
          ...(options.reason ? { reason: options.reason } : {}),
        }),
      );
    }
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
