import { SlashCommandBuilder } from 'discord.js';
import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { renderAudit } from '../src/adapters/discord/render/history.js';
import { knownService } from '../src/app/deploys/context.js';
import { parseDuration } from '../src/domain/duration.js';

const since = z
  .string()
  .trim()
  .max(40)
  .transform((text, ctx) => {
    const ago = parseDuration(text);
    if (ago !== undefined) return { ago };
    const at = Date.parse(text);
    if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at)) return { at: new Date(at) };
    ctx.addIssue({
      code: 'custom',
      message: 'must be a duration like "24h" or "7d", or a date like 2026-11-01',
    });
    return z.NEVER;
  });

/** /audit [service] [actor] [since] [format] — anyone may view (§3, §10); CSV or JSON attachment. */
export const audit = defineCommand({
  data: new SlashCommandBuilder()
    .setName('audit')
    .setDescription('Audit entries, newest first, with an optional CSV or JSON export')
    .addStringOption((o) => o.setName('service').setDescription('Only this service').setAutocomplete(true))
    .addUserOption((o) => o.setName('actor').setDescription('Only what this person did'))
    .addStringOption((o) => o.setName('since').setDescription('"24h", "7d" or a date (2026-11-01)'))
    .addStringOption((o) =>
      o
        .setName('format')
        .setDescription('Attach every matching entry')
        .addChoices({ name: 'CSV', value: 'csv' }, { name: 'JSON', value: 'json' }),
    )
    .toJSON(),
  options: z.object({
    service: z.string().trim().min(1).max(40).optional(),
    actor: z
      .string()
      .regex(/^\d{5,20}$/)
      .optional(),
    since: since.optional(),
    format: z.enum(['csv', 'json']).optional(),
  }),
  ephemeral: true,
  async run({ options, deps }) {
    if (options.service) knownService(deps, options.service);
    const now = deps.clock.now();
    const from = options.since
      ? 'ago' in options.since
        ? new Date(now.getTime() - options.since.ago)
        : options.since.at
      : undefined;
    const entries = await deps.repos.audit.find({
      ...(options.service ? { service: options.service } : {}),
      ...(options.actor ? { actorId: options.actor } : {}),
      ...(from ? { since: from } : {}),
      limit: options.format ? 5_000 : 15,
    });
    const filters = [
      options.service && `service ${options.service}`,
      options.actor && `actor <@${options.actor}>`,
      from && `since ${from.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    ]
      .filter(Boolean)
      .join(', ');
    return renderAudit(entries, options.format, filters);
  },
  autocomplete({ focused, deps }) {
    return Object.keys(deps.config.services)
      .filter((s) => s.startsWith(focused.value.toLowerCase()))
      .map((s) => ({ name: s, value: s }));
  },
});
