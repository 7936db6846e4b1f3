import { EventEmitter } from 'node:events';
import type { APIUser } from 'discord.js';
import { SnowflakeGenerator, snowflakeAt } from './snowflake.js';
import type {
  ApplicationCommand,
  LocalDiscordEvents,
  LocalDiscordOptions,
  MessageRecord,
  SeedUser,
} from './types.js';

const SEED_EPOCH = Date.UTC(2021, 0, 1);

const P = {
  ADD_REACTIONS: 1n << 6n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  USE_APPLICATION_COMMANDS: 1n << 31n,
  MANAGE_THREADS: 1n << 34n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
};
const EVERYONE_PERMISSIONS =
  P.ADD_REACTIONS |
  P.VIEW_CHANNEL |
  P.SEND_MESSAGES |
  P.EMBED_LINKS |
  P.ATTACH_FILES |
  P.READ_MESSAGE_HISTORY |
  P.USE_APPLICATION_COMMANDS |
  P.CREATE_PUBLIC_THREADS |
  P.SEND_MESSAGES_IN_THREADS;
/** What the bot may do in the guild (it mentions roles/everyone, manages its threads). */
export const BOT_PERMISSIONS = (
  EVERYONE_PERMISSIONS |
  P.MENTION_EVERYONE |
  P.MANAGE_MESSAGES |
  P.MANAGE_THREADS
).toString();

export const DEFAULT_USERS: readonly SeedUser[] = [
  { name: 'alice', roles: ['R4'] },
  { name: 'bob', roles: ['R5'] },
  { name: 'carol', roles: ['R5'] },
  { name: 'dave', roles: [] },
];

export interface RoleRecord {
  id: string;
  name: string;
  position: number;
  mentionable: boolean;
  permissions: bigint;
}

export interface MemberRecord {
  name: string;
  user: APIUser;
  roleIds: string[];
  joinedAt: string;
}

/** A channel permission overwrite: type 0 for a role (or @everyone, the guild id), 1 for a member. */
export interface OverwriteRecord {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface ChannelRecord {
  id: string;
  type: 0 | 11;
  overwrites?: OverwriteRecord[];
  /** Threads: minutes of inactivity before Discord archives it (60, 1440, 4320 or 10080). */
  autoArchiveDuration?: number;
  name: string;
  parentId: string | null;
  ownerId: string | null;
  createdAt: string;
  pins: string[];
  lastMessageId: string | null;
  messageCount: number;
}

export function userJson(id: string, username: string, bot: boolean): APIUser {
  // Discord always sends the flag fields (0 = none); discord-api-types types them as enums.
  const flags: Pick<APIUser, 'flags' | 'public_flags'> = JSON.parse('{"flags":0,"public_flags":0}') as Pick<
    APIUser,
    'flags' | 'public_flags'
  >;
  return {
    ...flags,
    id,
    username,
    global_name: bot ? null : username,
    discriminator: bot ? '0001' : '0',
    avatar: null,
    ...(bot ? { bot: true } : {}),
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
}

/** Everything the local Discord server knows: one guild, its roles, members, channels, messages, commands. */
export class DiscordState {
  readonly events = new EventEmitter<LocalDiscordEvents>();
  readonly ids = new SnowflakeGenerator();
  readonly appId: string;
  readonly botToken: string;
  readonly guildId: string;
  readonly guildName: string;
  readonly opsChannelId: string;
  readonly botUser: APIUser;
  readonly roles = new Map<string, RoleRecord>();
  readonly members = new Map<string, MemberRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord>();
  readonly guildCommands = new Map<string, ApplicationCommand[]>();
  globalCommands: ApplicationCommand[] = [];
  globalCommandWrites = 0;
  readonly createdAt = new Date(SEED_EPOCH).toISOString();
  #seedCounter = 0;

  constructor(options: LocalDiscordOptions) {
    this.appId = options.appId;
    this.botToken = options.botToken;
    this.guildId = options.guild.id;
    this.guildName = options.guild.name;
    this.opsChannelId = options.guild.channelId;
    this.botUser = userJson(options.appId, 'Release Console', true);
    this.roles.set(this.guildId, {
      id: this.guildId,
      name: '@everyone',
      position: 0,
      mentionable: false,
      permissions: EVERYONE_PERMISSIONS,
    });
    this.roles.set(options.guild.roles.r4, {
      id: options.guild.roles.r4,
      name: 'R4',
      position: 1,
      mentionable: true,
      permissions: 0n,
    });
    this.roles.set(options.guild.roles.r5, {
      id: options.guild.roles.r5,
      name: 'R5',
      position: 2,
      mentionable: true,
      permissions: 0n,
    });
    this.channels.set(this.opsChannelId, {
      id: this.opsChannelId,
      type: 0,
      name: 'ops',
      parentId: null,
      ownerId: null,
      createdAt: this.createdAt,
      pins: [],
      lastMessageId: null,
      messageCount: 0,
    });
    this.members.set(this.appId, { name: 'bot', user: this.botUser, roleIds: [], joinedAt: this.createdAt });
    for (const seed of options.users ?? DEFAULT_USERS) this.addMember(seed);
  }

  addMember(seed: SeedUser): MemberRecord {
    if (this.memberByName(seed.name))
      throw new Error(`local Discord: a user named "${seed.name}" already exists`);
    this.#seedCounter += 1;
    const id = seed.id ?? snowflakeAt(SEED_EPOCH + this.#seedCounter * 1000, this.#seedCounter);
    const member: MemberRecord = {
      name: seed.name,
      user: userJson(id, seed.name, false),
      roleIds: this.roleIdsByName(seed.roles),
      joinedAt: this.createdAt,
    };
    this.members.set(id, member);
    return member;
  }

  roleIdsByName(names: readonly string[]): string[] {
    return names.map((name) => {
      const role = [...this.roles.values()].find((r) => r.name === name || r.id === name);
      if (!role || role.id === this.guildId) {
        const known = [...this.roles.values()].filter((r) => r.id !== this.guildId).map((r) => r.name);
        throw new Error(`local Discord: unknown role "${name}" (known: ${known.join(', ')})`);
      }
      return role.id;
    });
  }

  memberByName(name: string): MemberRecord | undefined {
    return [...this.members.values()].find((m) => m.name === name && m.user.id !== this.appId);
  }

  requireMember(name: string): MemberRecord {
    const member = this.memberByName(name);
    if (!member) {
      const known = [...this.members.values()].filter((m) => m.user.id !== this.appId).map((m) => m.name);
      throw new Error(`local Discord: no user "${name}" (known: ${known.join(', ')})`);
    }
    return member;
  }

  memberPermissions(userId: string): string {
    let bits = this.roles.get(this.guildId)?.permissions ?? 0n;
    for (const id of this.members.get(userId)?.roleIds ?? []) bits |= this.roles.get(id)?.permissions ?? 0n;
    return bits.toString();
  }

  roleJson(role: RoleRecord): Record<string, unknown> {
    return {
      id: role.id,
      name: role.name,
      description: null,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: false,
      mentionable: role.mentionable,
      flags: 0,
    };
  }

  memberJson(member: MemberRecord, withPermissions = false): Record<string, unknown> {
    return {
      user: member.user,
      nick: null,
      avatar: null,
      banner: null,
      roles: [...member.roleIds],
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
      ...(withPermissions ? { permissions: this.memberPermissions(member.user.id) } : {}),
    };
  }

  channelJson(channel: ChannelRecord): Record<string, unknown> {
    const base = {
      id: channel.id,
      type: channel.type,
      guild_id: this.guildId,
      name: channel.name,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: 0,
      flags: 0,
      parent_id: channel.parentId,
    };
    if (channel.type === 0)
      return {
        ...base,
        position: 0,
        permission_overwrites: (channel.overwrites ?? []).map((o) => ({
          id: o.id,
          type: o.type,
          allow: o.allow.toString(),
          deny: o.deny.toString(),
        })),
        topic: null,
        nsfw: false,
        last_pin_timestamp: null,
      };
    return {
      ...base,
      owner_id: channel.ownerId,
      message_count: channel.messageCount,
      total_message_sent: channel.messageCount,
      member_count: 1,
      thread_metadata: {
        archived: false,
        auto_archive_duration: channel.autoArchiveDuration ?? 1440,
        archive_timestamp: channel.createdAt,
        locked: false,
        create_timestamp: channel.createdAt,
      },
    };
  }

  guildJson(): Record<string, unknown> {
    const owner = [...this.members.values()].find((m) => m.user.id !== this.appId);
    return {
      id: this.guildId,
      name: this.guildName,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: owner?.user.id ?? this.appId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 1,
      explicit_content_filter: 0,
      roles: [...this.roles.values()].map((r) => this.roleJson(r)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_presences: null,
      max_members: 500000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      nsfw: false,
      premium_progress_bar_enabled: false,
      incidents_data: null,
      home_header: null,
      hub_type: null,
      latest_onboarding_question_id: null,
    };
  }

  guildCreatePayload(): Record<string, unknown> {
    const members = [...this.members.values()];
    return {
      ...this.guildJson(),
      joined_at: this.createdAt,
      large: false,
      unavailable: false,
      lazy: true,
      member_count: members.length,
      voice_states: [],
      members: members.map((m) => this.memberJson(m)),
      channels: [...this.channels.values()].filter((c) => c.type === 0).map((c) => this.channelJson(c)),
      threads: [...this.channels.values()].filter((c) => c.type === 11).map((c) => this.channelJson(c)),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
    };
  }
}
