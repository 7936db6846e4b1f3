import { z } from 'zod';
import { FormErrors } from './form-errors.js';
import type { DiscordState } from './state.js';
import type { ApplicationCommand } from './types.js';

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

const choice = z.object({
  name: z.string().min(1).max(100),
  value: z.union([z.string().max(100), z.number()]),
});

interface OptionInput {
  type: number;
  name: string;
  description: string;
  required?: boolean | undefined;
  choices?: z.infer<typeof choice>[] | undefined;
  options?: OptionInput[] | undefined;
  autocomplete?: boolean | undefined;
  min_value?: number | undefined;
  max_value?: number | undefined;
  min_length?: number | undefined;
  max_length?: number | undefined;
  channel_types?: number[] | undefined;
}

const option: z.ZodType<OptionInput> = z.lazy(() =>
  z.looseObject({
    type: z.number().int().min(1).max(11),
    name: z.string().regex(NAME),
    description: z.string().min(1).max(100),
    required: z.boolean().optional(),
    choices: z.array(choice).max(25).optional(),
    options: z.array(option).max(25).optional(),
    autocomplete: z.boolean().optional(),
    min_value: z.number().optional(),
    max_value: z.number().optional(),
    min_length: z.number().int().min(0).max(6000).optional(),
    max_length: z.number().int().min(1).max(6000).optional(),
    channel_types: z.array(z.number().int()).optional(),
  }),
);

const commandInput = z.looseObject({
  id: z.string().optional(),
  type: z.number().int().min(1).max(4).optional(),
  name: z.string().regex(NAME),
  description: z.string().max(100).optional(),
  options: z.array(option).max(25).optional(),
  default_member_permissions: z.string().nullable().optional(),
  dm_permission: z.boolean().nullable().optional(),
  nsfw: z.boolean().optional(),
  contexts: z.array(z.number().int()).nullable().optional(),
  integration_types: z.array(z.number().int()).optional(),
});

function formErrorsFrom(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = []): FormErrors {
  const errors = new FormErrors();
  for (const issue of issues)
    errors.add(
      [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
      'BASE_TYPE_INVALID',
      issue.message,
    );
  return errors;
}

function checkOptionRules(
  errors: FormErrors,
  path: (string | number)[],
  options: OptionInput[] | undefined,
): void {
  if (!options) return;
  let optionalSeen = false;
  const names = new Set<string>();
  options.forEach((o, i) => {
    if (names.has(o.name))
      errors.add(
        [...path, i, 'name'],
        'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS',
        'Option names must be unique',
      );
    names.add(o.name);
    if (o.name !== o.name.toLowerCase())
      errors.add([...path, i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    if (o.type > 2 && o.required) {
      if (optionalSeen)
        errors.add(
          [...path, i, 'required'],
          'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
          'Required options must be placed before non-required options',
        );
    } else if (o.type > 2) optionalSeen = true;
    if (o.autocomplete && o.choices?.length)
      errors.add(
        [...path, i, 'autocomplete'],
        'AUTOCOMPLETE_WITH_CHOICES',
        'Autocomplete cannot be set on options with choices',
      );
    if (o.type <= 2) checkOptionRules(errors, [...path, i, 'options'], o.options);
  });
}

/** Validates a bulk-overwrite body and returns the stored commands (ids stable per name, like Discord). */
export function overwriteCommands(
  state: DiscordState,
  body: unknown,
  existing: readonly ApplicationCommand[],
  guildId: string | null,
): ApplicationCommand[] | FormErrors {
  const parsed = z.array(commandInput).max(100).safeParse(body);
  if (!parsed.success) return formErrorsFrom(parsed.error.issues);
  const errors = new FormErrors();
  const names = new Set<string>();
  parsed.data.forEach((c, i) => {
    const type = c.type ?? 1;
    if (names.has(`${type}:${c.name}`))
      errors.add(
        [i, 'name'],
        'APPLICATION_COMMANDS_DUPLICATE_NAME',
        `Application command names must be unique`,
      );
    names.add(`${type}:${c.name}`);
    if (type === 1 && (c.name !== c.name.toLowerCase() || !c.description))
      errors.add(
        [i, c.description ? 'name' : 'description'],
        'APPLICATION_COMMAND_INVALID',
        'Invalid chat input command',
      );
    checkOptionRules(errors, [i, 'options'], c.options);
  });
  if (!errors.empty) return errors;
  return parsed.data.map((c) => {
    const previous = existing.find((e) => e.name === c.name && (e.type as number) === (c.type ?? 1));
    const command = {
      id: previous?.id ?? state.ids.next(),
      application_id: state.appId,
      version: state.ids.next(),
      default_member_permissions: c.default_member_permissions ?? null,
      type: c.type ?? 1,
      name: c.name,
      name_localizations: null,
      description: c.description ?? '',
      description_localizations: null,
      ...(guildId ? { guild_id: guildId } : {}),
      ...(c.options ? { options: structuredClone(c.options) } : {}),
      nsfw: c.nsfw ?? false,
      contexts: c.contexts ?? null,
      integration_types: c.integration_types ?? [0],
      dm_permission: c.dm_permission ?? true,
    };
    return command as unknown as ApplicationCommand;
  });
}
