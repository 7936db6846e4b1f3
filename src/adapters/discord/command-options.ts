import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { z } from 'zod';
import { parseDuration } from '../../domain/duration.js';
import { parseId } from '../../domain/ids.js';

/**
 * A slash command's options are declared once, here: each helper returns both what Discord is told at
 * registration and the zod schema that parses what Discord sends back, so a limit or a choice cannot be
 * registered one way and checked another. Refinements (a pattern, an id parser, a transform) go on top of
 * the derived base and can only narrow it.
 */
export interface DeclaredOption<S extends z.ZodType = z.ZodType> {
  /** The registration entry under the name the option is declared with. */
  json(name: string): APIApplicationCommandBasicOption;
  readonly schema: S;
}

/** An optional option is absent from the interaction when not given: the schema accepts `undefined`. */
type Presence<S extends z.ZodType, R extends boolean> = R extends true ? S : z.ZodOptional<S>;

function presence<S extends z.ZodType, R extends boolean>(
  schema: S,
  required: R | undefined,
): Presence<S, R> {
  return (required ? schema : schema.optional()) as Presence<S, R>;
}

interface Common<R extends boolean> {
  readonly description: string;
  readonly required?: R;
}

export interface StringSpec<R extends boolean, S extends z.ZodType> extends Common<R> {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly autocomplete?: boolean;
  /** The reply when the trimmed text is shorter than minLength (default names the limit). */
  readonly tooShort?: string;
  /** The reply when the text is longer than maxLength (default names the limit). */
  readonly tooLong?: string;
  /** Narrows the base (trimmed, length-checked text): a pattern, an id parser, a transform. */
  readonly parse?: (base: z.ZodString) => S;
}

/**
 * Free text. The base trims first: Discord counts the raw text, so whatever Discord lets through is at
 * most as long after trimming, and a text of blanks still meets minLength's refusal.
 */
function string<R extends boolean = false>(
  spec: StringSpec<R, z.ZodString> & { readonly parse?: never },
): DeclaredOption<Presence<z.ZodString, R>>;
function string<R extends boolean, S extends z.ZodType>(
  spec: StringSpec<R, S> & { readonly parse: (base: z.ZodString) => S },
): DeclaredOption<Presence<S, R>>;
function string<R extends boolean, S extends z.ZodType>(
  spec: StringSpec<R, S>,
): DeclaredOption<Presence<S, R>> {
  const { minLength, maxLength } = spec;
  let base = z.string().trim();
  if (minLength !== undefined)
    base = base.min(minLength, spec.tooShort ?? `is too short (${minLength} characters at least)`);
  if (maxLength !== undefined)
    base = base.max(maxLength, spec.tooLong ?? `is too long (${maxLength} characters at most)`);
  const refined = spec.parse ? spec.parse(base) : (base as unknown as S);
  return {
    json: (name) => ({
      type: ApplicationCommandOptionType.String,
      name,
      description: spec.description,
      required: spec.required ?? false,
      ...(minLength !== undefined ? { min_length: minLength } : {}),
      ...(maxLength !== undefined ? { max_length: maxLength } : {}),
      ...(spec.autocomplete ? { autocomplete: true } : {}),
    }),
    schema: presence(refined, spec.required),
  };
}

export interface ChoiceSpec<R extends boolean, V extends string> extends Common<R> {
  readonly choices: readonly [{ name: string; value: V }, ...{ name: string; value: V }[]];
}

/** Text picked from a fixed list: Discord shows the names, the bot gets one of the values. */
function choice<const V extends string, R extends boolean = false>(
  spec: ChoiceSpec<R, V>,
): DeclaredOption<Presence<z.ZodEnum<{ [K in V]: K }>, R>> {
  const values = spec.choices.map((c) => c.value) as [V, ...V[]];
  return {
    json: (name) => ({
      type: ApplicationCommandOptionType.String,
      name,
      description: spec.description,
      required: spec.required ?? false,
      choices: spec.choices.map((c) => ({ name: c.name, value: c.value })),
    }),
    schema: presence(z.enum(values) as unknown as z.ZodEnum<{ [K in V]: K }>, spec.required),
  };
}

export interface IntegerSpec<R extends boolean> extends Common<R> {
  readonly minValue?: number;
  readonly maxValue?: number;
  readonly autocomplete?: boolean;
}

function integer<R extends boolean = false>(spec: IntegerSpec<R>): DeclaredOption<Presence<z.ZodNumber, R>> {
  const { minValue, maxValue } = spec;
  let base = z.number().int();
  if (minValue !== undefined) base = base.min(minValue, `must be at least ${minValue}`);
  if (maxValue !== undefined) base = base.max(maxValue, `must be at most ${maxValue}`);
  return {
    json: (name) => ({
      type: ApplicationCommandOptionType.Integer,
      name,
      description: spec.description,
      required: spec.required ?? false,
      ...(minValue !== undefined ? { min_value: minValue } : {}),
      ...(maxValue !== undefined ? { max_value: maxValue } : {}),
      ...(spec.autocomplete ? { autocomplete: true } : {}),
    }),
    schema: presence(base, spec.required),
  };
}

export interface BooleanSpec {
  readonly description: string;
  /** What the handler sees when the person leaves it out (Discord then sends nothing). */
  readonly default: boolean;
}

/** A yes/no switch; never required, so it always has a default. */
function boolean(spec: BooleanSpec): DeclaredOption<z.ZodDefault<z.ZodBoolean>> {
  return {
    json: (name) => ({
      type: ApplicationCommandOptionType.Boolean,
      name,
      description: spec.description,
      required: false,
    }),
    schema: z.boolean().default(spec.default),
  };
}

/** A member of the guild: the handler gets the user's id. */
function user<R extends boolean = false>(spec: Common<R>): DeclaredOption<Presence<z.ZodString, R>> {
  return {
    json: (name) => ({
      type: ApplicationCommandOptionType.User,
      name,
      description: spec.description,
      required: spec.required ?? false,
    }),
    schema: presence(z.string().regex(/^\d{5,20}$/, 'is not a Discord user'), spec.required),
  };
}

export const option = { string, choice, integer, boolean, user };

export type OptionMap = Readonly<Record<string, DeclaredOption>>;
type Prettify<T> = { [K in keyof T]: T[K] } & {};
type Shape<O extends OptionMap> = { -readonly [K in keyof O]: O[K]['schema'] };

/** What the handler receives for a command without subcommands. */
export type ParsedOptions<O extends OptionMap> = Prettify<z.output<z.ZodObject<Shape<O>>>>;

export interface SubcommandDeclaration {
  readonly description: string;
  readonly options?: OptionMap;
}
export type SubcommandMap = Readonly<Record<string, SubcommandDeclaration>>;

/** What the handler receives for a command with subcommands: a union tagged by `subcommand`. */
export type ParsedSubcommands<S extends SubcommandMap> = {
  [K in keyof S & string]: Prettify<
    { subcommand: K } & (S[K] extends { options: infer O extends OptionMap } ? ParsedOptions<O> : unknown)
  >;
}[keyof S & string];

export interface CommandHead {
  readonly name: string;
  readonly description: string;
}

function optionsJson(name: string, options: OptionMap | undefined): APIApplicationCommandBasicOption[] {
  const json = Object.entries(options ?? {}).map(([key, declared]) => declared.json(key));
  // Discord refuses a command whose required options do not all come first; say so at start, by name.
  const firstOptional = json.findIndex((o) => !o.required);
  if (firstOptional >= 0 && json.slice(firstOptional).some((o) => o.required))
    throw new Error(`/${name}: required options must be declared before optional ones`);
  return json;
}

function shape(options: OptionMap | undefined): Record<string, z.ZodType> {
  return Object.fromEntries(Object.entries(options ?? {}).map(([key, declared]) => [key, declared.schema]));
}

/**
 * Registration JSON for a guild-only chat-input command. No `default_member_permissions`: who may run what
 * is the R4/R5 roles table's decision, checked on every interaction, and a Discord permission would hide
 * read-only commands (/health, /history) from people who may use them without adding a real check.
 */
function commandJson(
  head: CommandHead,
  options: APIApplicationCommandOption[],
): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: head.name,
    description: head.description,
    contexts: [InteractionContextType.Guild],
    ...(options.length > 0 ? { options } : {}),
  };
}

export function declareOptions<O extends OptionMap>(
  head: CommandHead,
  options: O | undefined,
): { data: RESTPostAPIChatInputApplicationCommandsJSONBody; schema: z.ZodType<ParsedOptions<O>> } {
  return {
    data: commandJson(head, optionsJson(head.name, options)),
    schema: z.object(shape(options)) as unknown as z.ZodType<ParsedOptions<O>>,
  };
}

export function declareSubcommands<S extends SubcommandMap>(
  head: CommandHead,
  subcommands: S,
): { data: RESTPostAPIChatInputApplicationCommandsJSONBody; schema: z.ZodType<ParsedSubcommands<S>> } {
  const entries = Object.entries(subcommands);
  const [first, ...others] = entries.map(([name, sub]) =>
    z.object({ subcommand: z.literal(name), ...shape(sub.options) }),
  );
  if (!first) throw new Error(`/${head.name}: declare at least one subcommand`);
  const json = entries.map(([name, sub]) => {
    const options = optionsJson(`${head.name} ${name}`, sub.options);
    return {
      type: ApplicationCommandOptionType.Subcommand as const,
      name,
      description: sub.description,
      ...(options.length > 0 ? { options } : {}),
    };
  });
  return {
    data: commandJson(head, json),
    schema: z.discriminatedUnion('subcommand', [first, ...others]) as unknown as z.ZodType<
      ParsedSubcommands<S>
    >,
  };
}

/** The required "why" of an ops action (a freeze, maintenance): a few words, at most 500 characters. */
export const requiredReason = option.string({
  description: 'Why',
  required: true,
  minLength: 3,
  maxLength: 500,
  tooShort: 'give a few words',
});

/** A required deploy id (D7K3F9QXA): `where` tells people where they find one. */
export function deployIdOption(description: string, where: string) {
  return option.string({
    description,
    required: true,
    maxLength: 20,
    parse: (base) =>
      base.transform((text, ctx) => {
        const id = parseId(text, 'D');
        if (!id) {
          ctx.addIssue({ code: 'custom', message: `is not a deploy id (it looks like D7K3F9QXA, ${where})` });
          return z.NEVER;
        }
        return id;
      }),
  });
}

/** A length of time typed as `2h`, `90m` or `1h30m`, read as milliseconds (a freeze, a lock's ttl). */
export function durationOption<R extends boolean>(description: string, required: R) {
  return option.string({
    description,
    required,
    maxLength: 20,
    parse: (base) =>
      base.transform((text, ctx) => {
        const ms = parseDuration(text);
        if (ms === undefined || ms <= 0) {
          ctx.addIssue({ code: 'custom', message: 'must be a duration like "2h", "90m" or "1h30m"' });
          return z.NEVER;
        }
        return ms;
      }),
  });
}
