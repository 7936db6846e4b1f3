import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { durationOption, option, requiredReason } from '../src/adapters/discord/command-options.js';
import { renderFreezeList, renderFreezeReply } from '../src/adapters/discord/render/freeze.js';
import { knownEnvs, liftFreeze, startFreeze, upcomingFreezes } from '../src/app/freezes.js';
import { UserFacingError } from '../src/domain/errors.js';
import { parseId } from '../src/domain/ids.js';
import { parseStartTime } from '../src/domain/start-time.js';

/** The options /freeze start and /freeze schedule share. */
const duration = durationOption('How long, e.g. 2h, 90m', true);
const envOption = (description: string) =>
  option.string({ description, autocomplete: true, minLength: 1, maxLength: 40 });
const env = envOption('Environment (default: prod)');

/**
 * /freeze start|schedule|lift (R5) and /freeze list (anyone) (§3, §7). One-off freezes; the recurring windows
 * come from the configuration.
 */
export const freeze = defineCommand({
  name: 'freeze',
  description: 'Freeze windows: start, schedule, list, lift',
  subcommands: {
    start: { description: 'Freeze deploys now (R5)', options: { duration, reason: requiredReason, env } },
    schedule: {
      description: 'Schedule a freeze (R5)',
      options: {
        start: option.string({
          description: 'When: "2026-11-28 19:00", "tomorrow 19:00", "in 2h" (configured timezone)',
          required: true,
          minLength: 1,
          maxLength: 60,
          tooLong: 'is too long',
        }),
        duration,
        reason: requiredReason,
        env,
      },
    },
    list: {
      description: 'Freezes now and in the next 7 days',
      options: { env: envOption('Only this environment') },
    },
    lift: {
      description: 'End a one-off freeze now (R5)',
      options: {
        id: option.string({
          description: 'The freeze id, e.g. F7K3F9QXA',
          required: true,
          maxLength: 20,
          parse: (base) =>
            base.transform((text, ctx) => {
              const id = parseId(text, 'F');
              if (!id) {
                ctx.addIssue({
                  code: 'custom',
                  message: 'is not a freeze id (it looks like F7K3F9QXA; see /freeze list)',
                });
                return z.NEVER;
              }
              return id;
            }),
        }),
      },
    },
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    const tz = deps.config.timezone;
    switch (options.subcommand) {
      case 'start': {
        const created = await startFreeze(deps, actor, {
          durationMs: options.duration,
          reason: options.reason,
          ...(options.env ? { env: options.env } : {}),
        });
        return renderFreezeReply(created, 'started', tz);
      }
      case 'schedule': {
        const start = parseStartTime(options.start, deps.clock.now(), tz);
        if (!start.ok) throw new UserFacingError('BAD_INPUT', start.reason);
        const created = await startFreeze(deps, actor, {
          startsAt: start.at,
          durationMs: options.duration,
          reason: options.reason,
          ...(options.env ? { env: options.env } : {}),
        });
        return renderFreezeReply(created, created.startsAt > deps.clock.now() ? 'scheduled' : 'started', tz);
      }
      case 'list': {
        const { from, rows } = await upcomingFreezes(deps, options.env);
        return renderFreezeList(rows, from, tz);
      }
      case 'lift':
        return renderFreezeReply(await liftFreeze(deps, actor, options.id), 'lifted', tz);
    }
  },
  autocomplete({ focused, deps }) {
    if (focused.name !== 'env') return [];
    const typed = focused.value.toLowerCase();
    return knownEnvs(deps)
      .filter((e) => e.startsWith(typed))
      .map((e) => ({ name: e, value: e }));
  },
});
