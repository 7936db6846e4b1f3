import { SlashCommandBuilder } from 'discord.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { commands } from '../../../commands/index.js';
import { defineCommand, type RegisteredCommand } from '../../../src/adapters/discord/command.js';
import { option } from '../../../src/adapters/discord/command-options.js';

/** A registered option, read loosely: numbers, not discord-api-types enums. */
interface OptionJson {
  type: number;
  name: string;
  required?: boolean;
  options?: OptionJson[];
  choices?: { name: string; value: string | number }[];
  min_length?: number;
  max_length?: number;
  min_value?: number;
  max_value?: number;
}

const SUBCOMMAND = 1;
const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const USER = 6;
/** Discord's own ceiling on a string option: what it sends when no max_length is registered. */
const DISCORD_MAX_STRING = 6000;

/**
 * What the registered JSON and the zod schema disagree on, found by behaviour only: each limit Discord is
 * told is probed in the schema one character on each side, and each choice and subcommand is fed to it.
 */
function driftOf(command: RegisteredCommand): string[] {
  const found: string[] = [];
  const top = (command.data.options ?? []) as unknown as OptionJson[];
  const subcommands = top.filter((o) => o.type === SUBCOMMAND);
  const leaves: [string | undefined, OptionJson[]][] =
    subcommands.length > 0 ? subcommands.map((s) => [s.name, s.options ?? []]) : [[undefined, top]];
  for (const [sub, defs] of leaves) {
    const where = `/${command.data.name}${sub ? ` ${sub}` : ''}`;
    const base = sub ? { subcommand: sub } : {};
    /** The issues the schema raises about one option when only it is given. */
    const issuesFor = (name: string, value: unknown) => {
      const parsed = command.options.safeParse(value === undefined ? base : { ...base, [name]: value });
      return parsed.success ? [] : parsed.error.issues.filter((i) => i.path[0] === name);
    };
    const refuses = (name: string, value: unknown, code?: string) =>
      issuesFor(name, value).some((i) => code === undefined || i.code === code);
    // With nothing given, the schema may complain only about options Discord is told are required.
    const bare = command.options.safeParse(base);
    for (const issue of bare.success ? [] : bare.error.issues) {
      const name = String(issue.path[0] ?? '');
      if (!defs.some((d) => d.name === name && d.required))
        found.push(`${where}: the schema requires "${name}", which is not a required registered option`);
    }
    for (const def of defs) {
      const at = `${where} ${def.name}`;
      if (Boolean(def.required) !== refuses(def.name, undefined))
        found.push(`${at}: required is ${String(def.required)} in JSON but not in the schema`);
      if (def.type === STRING && def.choices) {
        for (const c of def.choices)
          if (refuses(def.name, c.value)) found.push(`${at}: the schema refuses the choice "${c.value}"`);
        if (!refuses(def.name, 'not-one-of-the-choices'))
          found.push(`${at}: the schema accepts a value that is not a choice`);
      } else if (def.type === STRING) {
        const max = def.max_length ?? DISCORD_MAX_STRING;
        if (refuses(def.name, 'a'.repeat(max), 'too_big'))
          found.push(`${at}: the schema refuses ${max} characters, which Discord lets through`);
        if (def.max_length !== undefined && !refuses(def.name, 'a'.repeat(max + 1), 'too_big'))
          found.push(`${at}: the schema accepts ${max + 1} characters, over max_length ${max}`);
        const min = def.min_length ?? 1;
        if (refuses(def.name, 'a'.repeat(min), 'too_small'))
          found.push(`${at}: the schema refuses ${min} characters, which Discord lets through`);
        if (def.min_length !== undefined && def.min_length > 0 && !refuses(def.name, 'a'.repeat(min - 1)))
          found.push(`${at}: the schema accepts ${min - 1} characters, under min_length ${min}`);
        if (refuses(def.name, 'a'.repeat(min), 'invalid_value'))
          found.push(`${at}: the schema has choices Discord does not offer`);
      } else if (def.type === INTEGER) {
        for (const [limit, step, code] of [
          [def.min_value, -1, 'too_small'],
          [def.max_value, 1, 'too_big'],
        ] as const) {
          if (limit === undefined) continue;
          if (refuses(def.name, limit, code)) found.push(`${at}: the schema refuses ${limit}`);
          if (!refuses(def.name, limit + step, code)) found.push(`${at}: the schema accepts ${limit + step}`);
        }
      } else if (def.type === BOOLEAN) {
        if (refuses(def.name, true) || refuses(def.name, false))
          found.push(`${at}: the schema refuses a boolean`);
      } else if (def.type === USER) {
        if (refuses(def.name, '990000000000000042')) found.push(`${at}: the schema refuses a user id`);
      } else {
        found.push(`${at}: option type ${def.type} is not checked here; add it`);
      }
    }
  }
  if (subcommands.length > 0 && command.options.safeParse({ subcommand: 'not-registered' }).success)
    found.push(`/${command.data.name}: the schema accepts a subcommand Discord does not have`);
  return found;
}

describe('every slash command: registration JSON and option schema agree', () => {
  it.each(commands.map((c) => [c.data.name, c] as const))('/%s has no drift', (_name, command) => {
    expect(driftOf(command)).toEqual([]);
  });

  it('registers every command guild-only, with roles (not Discord permissions) deciding who may run it', () => {
    for (const command of commands) {
      expect(command.data.contexts).toEqual([0]);
      expect(command.data.default_member_permissions).toBeUndefined();
    }
  });

  it('finds the drift of a command whose builder and schema were written apart', () => {
    // The shape every command had before: a builder and a schema, each with its own idea of the limits.
    const drifted: RegisteredCommand = {
      data: new SlashCommandBuilder()
        .setName('drifted')
        .setDescription('Written twice')
        .addStringOption((o) => o.setName('service').setDescription('s').setRequired(true))
        .addStringOption((o) => o.setName('ref').setDescription('r').setMaxLength(200))
        .addStringOption((o) => o.setName('reason').setDescription('r'))
        .addStringOption((o) =>
          o.setName('format').setDescription('f').addChoices({ name: 'CSV', value: 'csv' }),
        )
        .addIntegerOption((o) => o.setName('count').setDescription('c').setMaxValue(10))
        .toJSON(),
      options: z.object({
        service: z.string().optional(),
        ref: z.string().max(201).optional(),
        reason: z.string().max(500).optional(),
        format: z.enum(['json']).optional(),
        count: z.number().int().max(9).optional(),
        token: z.string(),
      }),
      ephemeral: true,
      run: () => Promise.resolve({ content: 'never run' }),
    };
    expect(driftOf(drifted)).toEqual([
      '/drifted: the schema requires "token", which is not a required registered option',
      '/drifted service: required is true in JSON but not in the schema',
      '/drifted ref: the schema accepts 201 characters, over max_length 200',
      '/drifted reason: the schema refuses 6000 characters, which Discord lets through',
      '/drifted format: the schema refuses the choice "csv"',
      '/drifted count: the schema refuses 10',
    ]);
  });
});

describe('defineCommand', () => {
  const sample = defineCommand({
    name: 'sample',
    description: 'A sample',
    subcommands: {
      go: {
        description: 'Go',
        options: {
          target: option.string({ description: 't', required: true, minLength: 2, maxLength: 5 }),
          id: option.string({
            description: 'i',
            maxLength: 4,
            parse: (base) => base.transform((text) => text.length),
          }),
          format: option.choice({ description: 'f', choices: [{ name: 'CSV', value: 'csv' }] }),
          count: option.integer({ description: 'c', minValue: 1, maxValue: 3 }),
          loud: option.boolean({ description: 'l', default: false }),
          who: option.user({ description: 'w' }),
        },
      },
      stop: { description: 'Stop' },
    },
    ephemeral: false,
    run({ options }) {
      if (options.subcommand === 'go')
        expectTypeOf(options).toEqualTypeOf<{
          subcommand: 'go';
          target: string;
          id: number | undefined; // zod keeps a transformed optional's key in the output type
          format?: 'csv' | undefined;
          count?: number | undefined;
          loud: boolean;
          who?: string | undefined;
        }>();
      else expectTypeOf(options).toEqualTypeOf<{ subcommand: 'stop' }>();
      return Promise.resolve({ content: JSON.stringify(options) });
    },
  });

  it('derives the registration JSON from the declaration, in declared order', () => {
    expect(sample.data).toEqual({
      type: 1,
      name: 'sample',
      description: 'A sample',
      contexts: [0],
      options: [
        {
          type: 1,
          name: 'go',
          description: 'Go',
          options: [
            { type: 3, name: 'target', description: 't', required: true, min_length: 2, max_length: 5 },
            { type: 3, name: 'id', description: 'i', required: false, max_length: 4 },
            {
              type: 3,
              name: 'format',
              description: 'f',
              required: false,
              choices: [{ name: 'CSV', value: 'csv' }],
            },
            { type: 4, name: 'count', description: 'c', required: false, min_value: 1, max_value: 3 },
            { type: 5, name: 'loud', description: 'l', required: false },
            { type: 6, name: 'who', description: 'w', required: false },
          ],
        },
        { type: 1, name: 'stop', description: 'Stop' },
      ],
    });
    expect(driftOf(sample)).toEqual([]);
  });

  it('parses with the refinement on top of the derived base, trimming first', () => {
    expect(sample.options.parse({ subcommand: 'go', target: '  ab ', id: 'xyz' })).toEqual({
      subcommand: 'go',
      target: 'ab',
      id: 3,
      loud: false,
    });
    const tooShort = sample.options.safeParse({ subcommand: 'go', target: '  a  ' });
    expect(tooShort.error?.issues.map((i) => i.message)).toEqual(['is too short (2 characters at least)']);
  });

  it('refuses, at declaration, a required option after an optional one (Discord would refuse it)', () => {
    expect(() =>
      defineCommand({
        name: 'bad',
        description: 'Bad order',
        options: {
          later: option.string({ description: 'l' }),
          needed: option.string({ description: 'n', required: true }),
        },
        ephemeral: true,
        run: () => Promise.resolve({ content: '' }),
      }),
    ).toThrow('/bad: required options must be declared before optional ones');
  });
});
