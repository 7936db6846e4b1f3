import { SlashCommandBuilder, type SlashCommandStringOption } from 'discord.js';
import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { renderFreezeList, renderFreezeReply } from '../src/adapters/discord/render/freeze.js';
import { knownEnvs, liftFreeze, startFreeze, upcomingFreezes } from '../src/app/freezes.js';
import { UserFacingError } from '../src/domain/errors.js';
import { parseDuration } from '../src/domain/duration.js';
import { parseId } from '../src/domain/ids.js';
import { parseStartTime } from '../src/domain/start-time.js';

const duration = z
  .string()
  .trim()
  .max(20)
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration like "2h", "90m" or "1h30m"' });
      return z.NEVER;
    }
    return ms;
  });
const reason = z.string().trim().min(3, 'give a few words').max(500, 'is too long (500 characters at most)');
const env = z.string().trim().min(1).max(40).optional();

const options = z.discriminatedUnion('subcommand', [
  z.object({ subcommand: z.literal('start'), duration, reason, env }),
  z.object({
    subcommand: z.literal('schedule'),
    start: z.string().trim().min(1).max(60, 'is too long'),
    duration,
    reason,
    env,
  }),
  z.object({ subcommand: z.literal('list'), env }),
  z.object({
    subcommand: z.literal('lift'),
    id: z
      .string()
      .trim()
      .transform((text, ctx) => {
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
]);

/** The options /freeze start and /freeze schedule share. */
const durationOption = (o: SlashCommandStringOption) =>
  o.setName('duration').setDescription('How long, e.g. 2h, 90m').setRequired(true).setMaxLength(20);
const reasonOption = (o: SlashCommandStringOption) =>
  o.setName('reason').setDescription('Why').setRequired(true).setMaxLength(500);
const envOption = (o: SlashCommandStringOption) =>
  o.setName('env').setDescription('Environment (default: prod)').setAutocomplete(true);

/**
 * /freeze start|schedule|lift (R5) and /freeze list (anyone) (§3, §7). One-off freezes; the recurring windows
 * come from the configuration.
 */
export const freeze = defineCommand({
  data: new SlashCommandBuilder()
    .setName('freeze')
    .setDescription('Freeze windows: start, schedule, list, lift')
    .addSubcommand((s) =>
      s
        .setName('start')
        .setDescription('Freeze deploys now (R5)')
        .addStringOption(durationOption)
        .addStringOption(reasonOption)
        .addStringOption(envOption),
    )
    .addSubcommand((s) =>
      s
        .setName('schedule')
        .setDescription('Schedule a freeze (R5)')
        .addStringOption((o) =>
          o
            .setName('start')
            .setDescription('When: "2026-11-28 19:00", "tomorrow 19:00", "in 2h" (configured timezone)')
            .setRequired(true)
            .setMaxLength(60),
        )
        .addStringOption(durationOption)
        .addStringOption(reasonOption)
        .addStringOption(envOption),
    )
    .addSubcommand((s) =>
      s
        .setName('list')
        .setDescription('Freezes now and in the next 7 days')
        .addStringOption((o) =>
          o.setName('env').setDescription('Only this environment').setAutocomplete(true),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('lift')
        .setDescription('End a one-off freeze now (R5)')
        .addStringOption((o) =>
          o.setName('id').setDescription('The freeze id, e.g. F7K3F9QXA').setRequired(true).setMaxLength(20),
        ),
    )
    .toJSON(),
  options,
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
