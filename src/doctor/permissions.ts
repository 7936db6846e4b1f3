import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';

/**
 * What the bot must be allowed in the ops channel: post cards, markers and announcements (with embeds and
 * CSV/JSON exports), follow a deploy in a thread under its card, and read the channel back. The invite URL's
 * permission integer (docs/setup.md) is computed from this same list.
 */
export const BOT_CHANNEL_PERMISSIONS = [
  { flag: 'ViewChannel', label: 'View Channel' },
  { flag: 'SendMessages', label: 'Send Messages' },
  { flag: 'EmbedLinks', label: 'Embed Links' },
  { flag: 'AttachFiles', label: 'Attach Files' },
  { flag: 'CreatePublicThreads', label: 'Create Public Threads' },
  { flag: 'SendMessagesInThreads', label: 'Send Messages in Threads' },
  { flag: 'ReadMessageHistory', label: 'Read Message History' },
] as const satisfies readonly { flag: keyof typeof PermissionFlagsBits; label: string }[];

/** The permission integer of the bot's invite URL. */
export function botPermissionInteger(): bigint {
  return new PermissionsBitField(BOT_CHANNEL_PERMISSIONS.map((p) => p.flag)).bitfield;
}

export interface RoleFacts {
  readonly id: string;
  readonly permissions: string;
}

export interface OverwriteFacts {
  readonly id: string;
  /** 0 role (the guild id is @everyone), 1 member. */
  readonly type: number;
  readonly allow: string;
  readonly deny: string;
}

/**
 * A member's permissions in a channel, as Discord computes them: @everyone and the member's roles, then the
 * channel's @everyone overwrite, the role overwrites together, and the member's own overwrite.
 */
export function channelPermissions(input: {
  guildId: string;
  userId: string;
  memberRoleIds: readonly string[];
  roles: readonly RoleFacts[];
  overwrites: readonly OverwriteFacts[];
}): PermissionsBitField {
  const byId = new Map(input.roles.map((r) => [r.id, BigInt(r.permissions)]));
  let bits = byId.get(input.guildId) ?? 0n;
  for (const id of input.memberRoleIds) bits |= byId.get(id) ?? 0n;
  if ((bits & PermissionFlagsBits.Administrator) !== 0n)
    return new PermissionsBitField(PermissionsBitField.All);
  const apply = (allow: bigint, deny: bigint): void => {
    bits = (bits & ~deny) | allow;
  };
  const everyone = input.overwrites.find((o) => o.type === 0 && o.id === input.guildId);
  if (everyone) apply(BigInt(everyone.allow), BigInt(everyone.deny));
  let allow = 0n;
  let deny = 0n;
  for (const o of input.overwrites) {
    if (o.type === 0 && o.id !== input.guildId && input.memberRoleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  apply(allow, deny);
  const own = input.overwrites.find((o) => o.type === 1 && o.id === input.userId);
  if (own) apply(BigInt(own.allow), BigInt(own.deny));
  return new PermissionsBitField(bits);
}

/** The labels of the permissions from the list that `granted` lacks. */
export function missingPermissions(granted: PermissionsBitField): string[] {
  return BOT_CHANNEL_PERMISSIONS.filter((p) => !granted.has(PermissionFlagsBits[p.flag])).map((p) => p.label);
}
