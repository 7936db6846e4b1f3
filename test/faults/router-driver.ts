import { ApplicationCommandOptionType, type Interaction } from 'discord.js';
import { buttons, commands, modals } from '../../commands/index.js';
import { createInteractionRouter } from '../../src/adapters/discord/router.js';
import { createMetrics, type Metrics } from '../../src/adapters/http/metrics.js';
import { createLogger } from '../../src/logger.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { resolvePings } from '../../src/sandbox/discord/mentions.js';
import { validateAutocomplete, validateModal } from '../../src/sandbox/discord/interaction-validation.js';
import { validateMessageBody } from '../../src/sandbox/discord/validation.js';

/**
 * Drives the real interaction router, with the real commands, buttons and modals, in-process: each
 * interaction is a stand-in for the discord.js object carrying only what the router reads, and every
 * answer it gives is checked the way Discord would take it (the local Discord server's own validation and
 * mention rules). Fast, and it counts for coverage.
 */
export interface Person {
  id: string;
  name: string;
  roleIds: readonly string[];
}

export interface Sent {
  call: string;
  payload: Record<string, unknown>;
}

export interface Outcome {
  sent: Sent[];
  /** Text of every answer: content, embed titles, descriptions and fields. */
  text: string;
  /** Why an answer would be refused by Discord or would hurt (empty when all is well). */
  problems: string[];
  /** Pings the answers would make (users, roles, @everyone). */
  pings: number;
  ephemeral: boolean;
}

type OptionInput = Record<string, string | number | boolean>;

let nextId = 1_000_000_000_000_000_000n;
const snowflake = (): string => String((nextId += 1n));

/** Every user, role and @everyone id of the test guild counts as pingable: the strictest reading. */
function pingsOf(content: string, allowed: unknown): number {
  const ids = [...content.matchAll(/<@[!&]?(\d{1,20})>/g)].map((m) => m[1] ?? '');
  const known = new Set(ids);
  const record = resolvePings(content, allowed, { users: known, mentionableRoles: known });
  return record.users.length + record.roles.length + (record.everyone ? 1 : 0);
}

/** A discord.js-style reply options object as the JSON body Discord receives. */
function toWire(options: Record<string, unknown>): Record<string, unknown> {
  const { allowedMentions, files: _files, ...rest } = options;
  return {
    ...rest,
    ...(allowedMentions === undefined ? {} : { allowed_mentions: allowedMentions }),
  };
}

function textOf(payload: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof payload.content === 'string') parts.push(payload.content);
  for (const embed of (payload.embeds as Record<string, unknown>[] | undefined) ?? []) {
    for (const key of ['title', 'description']) if (typeof embed[key] === 'string') parts.push(embed[key]);
    for (const field of (embed.fields as { name: string; value: string }[] | undefined) ?? [])
      parts.push(field.name, field.value);
  }
  return parts.join('\n');
}

/**
 * Checks what the router sent for one interaction, with the error lines it logged meanwhile: a body
 * Discord refuses, a ping, "Something went wrong", an unbalanced code fence, or an error logged.
 */
export function judge(sent: Sent[], logged: readonly string[]): Outcome {
  const problems: string[] = [];
  let pings = 0;
  let ephemeral = false;
  for (const { call, payload } of sent) {
    // Suggestions and forms are checked as Discord checks those callbacks (choice names 1–100, …).
    if (call === 'respond' || call === 'showModal') {
      const invalid =
        call === 'respond' ? validateAutocomplete({ choices: payload }) : validateModal(payload);
      if (invalid) problems.push(`${call} refused by Discord: ${JSON.stringify(invalid.toJSON())}`);
      continue;
    }
    if (call === 'deleteReply') continue;
    const wire = toWire(payload);
    const flags = (wire.flags as number | undefined) ?? 0;
    if (call === 'deferReply' || call === 'reply') ephemeral = (flags & 64) === 64;
    if (call === 'deferReply') continue;
    const invalid = validateMessageBody(wire);
    if (invalid) problems.push(`${call} refused by Discord: ${JSON.stringify(invalid.toJSON())}`);
    const content = typeof wire.content === 'string' ? wire.content : '';
    pings += pingsOf(content, wire.allowed_mentions);
    if (/Something went wrong \(ref:/.test(textOf(wire))) problems.push(`${call}: an unexpected error`);
    // A fence opened by typed text and never closed swallows the rest of the message.
    if ((content.match(/```/g) ?? []).length % 2 === 1) problems.push(`${call}: an unbalanced code fence`);
  }
  // "interaction failed" is the log line of the "Something went wrong" answer, counted above.
  for (const line of logged.filter((l) => !l.includes('"msg":"interaction failed"')))
    problems.push(`logged an error: ${line.slice(0, 300)}`);
  return { sent, text: sent.map((s) => textOf(toWire(s.payload))).join('\n'), problems, pings, ephemeral };
}

export function createRouterDriver(
  deps: AppDeps,
  options: { metrics?: Metrics; everyLine?: (line: string) => void } = {},
) {
  const errors: string[] = [];
  const log = createLogger(
    { level: options.everyLine ? 'trace' : 'error' },
    {
      write: (line: string) => {
        options.everyLine?.(line);
        if (/"level":(50|60)/.test(line)) errors.push(line);
      },
    },
  );
  const route = createInteractionRouter({
    commands,
    buttons,
    modals,
    deps,
    log,
    metrics: options.metrics ?? createMetrics({ defaultMetrics: false }),
  });

  async function run(interaction: Record<string, unknown>, sent: Sent[]): Promise<Outcome> {
    const before = errors.length;
    await route(interaction as unknown as Interaction);
    return judge(sent, errors.slice(before));
  }

  function base(person: Person, sent: Sent[]) {
    const record =
      (call: string) =>
      (payload: Record<string, unknown> = {}): Promise<void> => {
        sent.push({ call, payload: structuredClone<Record<string, unknown>>(payload) });
        return Promise.resolve();
      };
    return {
      id: snowflake(),
      applicationId: '990000000000000001',
      channelId: '990000000000000010',
      guildId: deps.config.discord.guilds[0]?.id ?? '990000000000000001',
      user: { id: person.id, username: person.name, globalName: null },
      member: { roles: [...person.roleIds], nick: null },
      isChatInputCommand: () => false,
      isAutocomplete: () => false,
      isButton: () => false,
      isModalSubmit: () => false,
      deferReply: record('deferReply'),
      editReply: record('editReply'),
      deleteReply: record('deleteReply'),
      followUp: record('followUp'),
      reply: record('reply'),
      showModal: record('showModal'),
      respond: record('respond'),
    };
  }

  return {
    /** Problems logged outside any one interaction's window (should stay empty). */
    errors,
    command(person: Person, name: string, options: OptionInput = {}, subcommand?: string) {
      const sent: Sent[] = [];
      const leaves = Object.entries(options).map(([key, value]) => ({
        name: key,
        type:
          typeof value === 'string'
            ? ApplicationCommandOptionType.String
            : typeof value === 'number'
              ? ApplicationCommandOptionType.Integer
              : ApplicationCommandOptionType.Boolean,
        value,
      }));
      const data = subcommand
        ? [{ name: subcommand, type: ApplicationCommandOptionType.Subcommand, options: leaves }]
        : leaves;
      return run(
        {
          ...base(person, sent),
          commandName: name,
          options: { data },
          isChatInputCommand: () => true,
        },
        sent,
      );
    },
    /** Typing `value` into option `focused` of /name (subcommand): the suggestions the bot offers. */
    autocomplete(
      person: Person,
      name: string,
      focused: string,
      value: string,
      others: OptionInput = {},
      subcommand?: string,
    ) {
      const sent: Sent[] = [];
      const leaves = [
        ...Object.entries(others).map(([key, v]) => ({
          name: key,
          type: ApplicationCommandOptionType.String,
          value: v,
        })),
        { name: focused, type: ApplicationCommandOptionType.String, value, focused: true },
      ];
      const data = subcommand
        ? [{ name: subcommand, type: ApplicationCommandOptionType.Subcommand, options: leaves }]
        : leaves;
      const focusedOption = { name: focused, type: ApplicationCommandOptionType.String, value };
      return run(
        {
          ...base(person, sent),
          commandName: name,
          options: {
            data,
            getFocused: (full?: boolean) => (full ? focusedOption : value),
          },
          isAutocomplete: () => true,
        },
        sent,
      );
    },
    button(person: Person, customId: string, messageId = snowflake()) {
      const sent: Sent[] = [];
      return run({ ...base(person, sent), customId, message: { id: messageId }, isButton: () => true }, sent);
    },
    modal(person: Person, customId: string, fields: Record<string, string>) {
      const sent: Sent[] = [];
      const map = new Map(Object.entries(fields).map(([k, value]) => [k, { customId: k, value, type: 4 }]));
      return run(
        {
          ...base(person, sent),
          customId,
          message: null,
          fields: { fields: map },
          isModalSubmit: () => true,
        },
        sent,
      );
    },
  };
}

export type RouterDriver = ReturnType<typeof createRouterDriver>;

/** One string option of a registered command: where typed text enters. */
export interface FreeTextOption {
  command: string;
  subcommand?: string;
  option: string;
  /** Values for the command's other required options, so the typed text reaches the handler. */
  others: OptionInput;
}

interface OptionJson {
  type: number;
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { value: string | number }[];
  options?: OptionJson[];
}

function filler(option: OptionJson): string | number | boolean {
  if (option.choices?.[0]) return option.choices[0].value;
  if (option.type === 5) return false;
  if (option.type === 4 || option.type === 10) return 1;
  if (option.name === 'service') return 'api';
  if (option.name === 'env') return 'staging';
  if (/duration|for|until/.test(option.name)) return '1h';
  // A start time the command takes, so the typed text reaches the options after it.
  if (option.name === 'start') return 'in 2h';
  return 'checked by the faults suite';
}

/** Every free-text (string, no fixed choices) option of every registered command, subcommands included. */
export function freeTextOptions(): FreeTextOption[] {
  const found: FreeTextOption[] = [];
  const visit = (command: string, subcommand: string | undefined, options: OptionJson[]) => {
    const required = options.filter((o) => o.required && o.type !== 1 && o.type !== 2);
    for (const option of options) {
      if (option.type === 1) visit(command, option.name, option.options ?? []);
      if (option.type !== 3 || option.choices?.length) continue;
      const others = Object.fromEntries(
        required.filter((o) => o.name !== option.name).map((o) => [o.name, filler(o)]),
      );
      found.push({ command, ...(subcommand ? { subcommand } : {}), option: option.name, others });
    }
  };
  for (const command of commands) {
    const data = command.data as { name: string; options?: OptionJson[] };
    visit(data.name, undefined, data.options ?? []);
  }
  return found;
}

/** Every option with suggestions (autocomplete) of every registered command: typed text, letter by letter. */
export function autocompleteOptions(): FreeTextOption[] {
  return freeTextOptions().filter((o) => {
    const data = commands.find((c) => c.data.name === o.command)?.data as
      { options?: OptionJson[] } | undefined;
    const options = o.subcommand
      ? (data?.options?.find((s) => s.type === 1 && s.name === o.subcommand)?.options ?? [])
      : (data?.options ?? []);
    return options.find((x) => x.name === o.option)?.autocomplete === true;
  });
}

/** Values for the required options of a command (or one of its subcommands), so it reaches its handler. */
export function requiredOptions(command: string, subcommand?: string): OptionInput {
  const data = commands.find((c) => c.data.name === command)?.data as { options?: OptionJson[] } | undefined;
  if (!data) throw new Error(`no command /${command}`);
  const options = subcommand
    ? (data.options?.find((o) => o.type === 1 && o.name === subcommand)?.options ?? [])
    : (data.options ?? []);
  return Object.fromEntries(options.filter((o) => o.required).map((o) => [o.name, filler(o)]));
}
