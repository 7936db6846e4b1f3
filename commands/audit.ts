import { z } from 'zod';
import { defineCommand } from '../src/adapters/discord/command.js';
import { option } from '../src/adapters/discord/command-options.js';
import { renderAudit } from '../src/adapters/discord/render/history.js';
import { knownService } from '../src/app/deploys/context.js';
import { parseDuration } from '../src/domain/duration.js';

/** How far back: a duration ago, or a date. */
function readSince(text: string, ctx: z.RefinementCtx): { ago: number } | { at: Date } {
  const ago = parseDuration(text);
  if (ago !== undefined) return { ago };
  const at = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at)) return { at: new Date(at) };
  ctx.addIssue({
    code: 'custom',
    message: 'must be a duration like "24h" or "7d", or a date like 2026-11-01',
  });
  return z.NEVER;
}

/** /audit [service] [actor] [since] [format] — anyone may view (§3, §10); CSV or JSON attachment. */
export const audit = defineCommand({
  name: 'audit',
  description: 'Audit entries, newest first, with an optional CSV or JSON export',
  options: {
    service: option.string({
      description: 'Only this service',
      autocomplete: true,
      minLength: 1,
      maxLength: 40,
    }),
    actor: option.user({ description: 'Only what this person did' }),
    since: option.string({
      description: '"24h", "7d" or a date (2026-11-01)',
      maxLength: 40,
      parse: (base) => base.transform(readSince),
    }),
    format: option.choice({
      description: 'Attach every matching entry',
      choices: [
        { name: 'CSV', value: 'csv' },
        { name: 'JSON', value: 'json' },
      ],
    }),
  },
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
