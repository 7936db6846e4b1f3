import type { DiscordState } from './state.js';
import type { ApplicationCommand } from './types.js';

export type OptionValue = string | number | boolean;

/** A registered option definition, read loosely (numbers, not discord-api-types enums). */
interface OptionDef {
  type: number;
  name: string;
  required?: boolean;
  options?: OptionDef[];
  choices?: { name: string; value: OptionValue }[];
  min_length?: number;
  max_length?: number;
  min_value?: number;
  max_value?: number;
}

const TYPE_NAMES: Record<number, string> = {
  3: 'string',
  4: 'integer',
  5: 'boolean',
  6: 'user',
  7: 'channel',
  8: 'role',
  9: 'mentionable',
  10: 'number',
  11: 'attachment',
};

interface Resolved {
  users?: Record<string, unknown>;
  members?: Record<string, unknown>;
  roles?: Record<string, unknown>;
  channels?: Record<string, unknown>;
}

/**
 * Builds an interaction's `data` for a registered chat-input command, typing each value from the command's
 * option definitions as Discord does. `focused` marks the option being autocompleted (its value stays raw text).
 */
export function buildCommandData(
  state: DiscordState,
  command: ApplicationCommand,
  values: Readonly<Record<string, OptionValue>>,
  subcommand: string | undefined,
  focused?: string,
): Record<string, unknown> {
  const where = `/${command.name}${subcommand ? ` ${subcommand}` : ''}`;
  const defs = (command.options ?? []) as unknown as OptionDef[];
  const resolved: Resolved = {};
  const hasSubs = defs.some((o) => o.type === 1 || o.type === 2);
  let options: unknown[];
  if (hasSubs) {
    const [first, second] = (subcommand ?? '').split(/\s+/).filter(Boolean);
    const names = defs.map((o) => o.name).join(', ');
    if (!first) throw new Error(`local Discord: ${where} needs a subcommand (one of: ${names})`);
    const top = defs.find((o) => o.name === first);
    if (!top) throw new Error(`local Discord: ${where}: no subcommand "${first}" (known: ${names})`);
    if (top.type === 2) {
      const subs = top.options ?? [];
      const sub = subs.find((o) => o.name === second);
      if (!sub)
        throw new Error(
          `local Discord: ${where}: group "${first}" has no subcommand "${second ?? ''}" (known: ${subs.map((o) => o.name).join(', ')})`,
        );
      options = [
        {
          type: 2,
          name: first,
          options: [
            { type: 1, name: sub.name, options: leafOptions(state, where, sub, values, resolved, focused) },
          ],
        },
      ];
    } else {
      options = [
        { type: 1, name: top.name, options: leafOptions(state, where, top, values, resolved, focused) },
      ];
    }
  } else {
    if (subcommand) throw new Error(`local Discord: /${command.name} has no subcommands`);
    options = leafOptions(state, where, { options: defs }, values, resolved, focused);
  }
  return {
    id: command.id,
    name: command.name,
    type: command.type,
    guild_id: state.guildId,
    options,
    ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
  };
}

function leafOptions(
  state: DiscordState,
  where: string,
  parent: { options?: OptionDef[] | undefined },
  values: Readonly<Record<string, OptionValue>>,
  resolved: Resolved,
  focused: string | undefined,
): unknown[] {
  const defs = parent.options ?? [];
  for (const key of Object.keys(values))
    if (!defs.some((d) => d.name === key))
      throw new Error(
        `local Discord: ${where} has no option "${key}" (known: ${defs.map((d) => d.name).join(', ') || 'none'})`,
      );
  if (focused !== undefined && !defs.some((d) => d.name === focused))
    throw new Error(`local Discord: ${where} has no option "${focused}" to autocomplete`);
  const out: unknown[] = [];
  for (const def of defs) {
    const raw = values[def.name];
    if (def.name === focused) {
      out.push({ type: def.type, name: def.name, value: String(raw ?? ''), focused: true });
      continue;
    }
    if (raw === undefined) {
      if (def.required && focused === undefined)
        throw new Error(
          `local Discord: ${where} needs option "${def.name}" (${TYPE_NAMES[def.type] ?? def.type})`,
        );
      continue;
    }
    out.push({
      type: def.type,
      name: def.name,
      value: typed(state, where, def, raw, resolved, focused !== undefined),
    });
  }
  return out;
}

function typed(
  state: DiscordState,
  where: string,
  def: OptionDef,
  raw: OptionValue,
  resolved: Resolved,
  lenient: boolean,
): OptionValue {
  const bad = (why: string): Error => new Error(`local Discord: ${where} option "${def.name}": ${why}`);
  const d = def;
  let value: OptionValue;
  switch (def.type) {
    case 3: {
      value = String(raw);
      if (typeof d.min_length === 'number' && value.length < d.min_length)
        throw bad(`at least ${d.min_length} characters`);
      if (typeof d.max_length === 'number' && value.length > d.max_length)
        throw bad(`at most ${d.max_length} characters`);
      break;
    }
    case 4:
    case 10: {
      value = typeof raw === 'number' ? raw : Number(raw);
      if (typeof raw === 'boolean' || !Number.isFinite(value) || (def.type === 4 && !Number.isInteger(value)))
        throw bad(`expected ${TYPE_NAMES[def.type] ?? 'a number'}, got ${JSON.stringify(raw)}`);
      if (typeof d.min_value === 'number' && value < d.min_value) throw bad(`must be >= ${d.min_value}`);
      if (typeof d.max_value === 'number' && value > d.max_value) throw bad(`must be <= ${d.max_value}`);
      break;
    }
    case 5: {
      if (typeof raw === 'boolean') value = raw;
      else if (raw === 'true' || raw === 'false') value = raw === 'true';
      else throw bad(`expected true or false, got ${JSON.stringify(raw)}`);
      break;
    }
    case 6:
    case 9: {
      const member = state.members.get(String(raw)) ?? state.memberByName(String(raw));
      const role =
        def.type === 9
          ? (state.roles.get(String(raw)) ?? [...state.roles.values()].find((r) => r.name === raw))
          : undefined;
      if (member) {
        value = member.user.id;
        (resolved.users ??= {})[value] = member.user;
        const { user: _user, ...rest } = state.memberJson(member, true);
        (resolved.members ??= {})[value] = rest;
      } else if (role) {
        value = role.id;
        (resolved.roles ??= {})[value] = state.roleJson(role);
      } else throw bad(`no user${def.type === 9 ? ' or role' : ''} "${String(raw)}"`);
      break;
    }
    case 7: {
      const channel =
        state.channels.get(String(raw)) ?? [...state.channels.values()].find((c) => c.name === raw);
      if (!channel) throw bad(`no channel "${String(raw)}"`);
      value = channel.id;
      (resolved.channels ??= {})[value] = {
        ...state.channelJson(channel),
        permissions: state.memberPermissions(state.appId),
      };
      break;
    }
    case 8: {
      const role = state.roles.get(String(raw)) ?? [...state.roles.values()].find((r) => r.name === raw);
      if (!role) throw bad(`no role "${String(raw)}"`);
      value = role.id;
      (resolved.roles ??= {})[value] = state.roleJson(role);
      break;
    }
    default:
      throw bad(`option type ${TYPE_NAMES[def.type] ?? def.type} is not supported by the local server`);
  }
  const choices = d.choices;
  if (!lenient && choices && choices.length > 0 && !choices.some((c) => c.value === value))
    throw bad(
      `${JSON.stringify(value)} is not one of the choices (${choices.map((c) => JSON.stringify(c.value)).join(', ')})`,
    );
  return value;
}
