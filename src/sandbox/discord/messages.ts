import type { APIAttachment } from 'discord.js';
import { isObject } from './form-errors.js';
import { NO_PING, resolvePings } from './mentions.js';
import { normalizeComponents, normalizeEmbeds } from './normalize.js';
import type { DiscordState } from './state.js';
import type { LocalMessage, MessageRecord, ObservedMessage, UploadedFile } from './types.js';
import { FLAG_EPHEMERAL } from './validation.js';

export const FLAG_LOADING = 128;

export type { MessageRecord } from './types.js';

export interface NewMessage {
  channelId: string;
  body: Record<string, unknown>;
  files: UploadedFile[];
  webhook: boolean;
  interaction?: LocalMessage['interaction_metadata'] & { internalId: string };
  visibleTo: string | null;
  loading?: boolean;
  type?: number;
}

export function observe(record: MessageRecord): ObservedMessage {
  return {
    ...structuredClone(record.message),
    visibleTo: record.visibleTo,
    ping: structuredClone(record.ping),
    // structuredClone would turn Buffers into plain Uint8Arrays.
    files: record.files.map((f) => ({ ...f, content: Buffer.from(f.content) })),
    interactionId: record.interactionId,
  };
}

export function createMessage(state: DiscordState, baseUrl: string, input: NewMessage): MessageRecord {
  const id = state.ids.next();
  const now = new Date().toISOString();
  const bodyFlags = typeof input.body.flags === 'number' ? input.body.flags : 0;
  const flags = bodyFlags | (input.loading ? FLAG_LOADING : 0);
  const message: LocalMessage = {
    id,
    type: input.type ?? (input.interaction ? 20 : 0),
    channel_id: input.channelId,
    guild_id: state.guildId,
    author: state.botUser,
    content: '',
    embeds: [],
    components: [],
    attachments: [],
    flags,
    timestamp: now,
    edited_timestamp: null,
    tts: false,
    pinned: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    ...(input.webhook ? { webhook_id: state.appId, application_id: state.appId } : {}),
  };
  if (input.interaction) {
    const { internalId: _internal, ...metadata } = input.interaction;
    message.interaction_metadata = metadata;
  }
  const record: MessageRecord = {
    message,
    visibleTo: (flags & FLAG_EPHEMERAL) !== 0 ? input.visibleTo : null,
    ping: NO_PING,
    files: [],
    interactionId: input.interaction?.internalId ?? null,
    allowedMentions: undefined,
  };
  applyBody(state, baseUrl, record, input.body, input.files, !input.loading);
  const channel = state.channels.get(input.channelId);
  if (channel) {
    channel.lastMessageId = id;
    channel.messageCount += 1;
    if (channel.type === 11) message.position = channel.messageCount - 1;
  }
  state.messages.set(id, record);
  state.events.emit('messageCreate', observe(record));
  return record;
}

/** PATCH semantics: only the fields present in the body change. `notify` is true when the edit fills a deferred reply. */
export function editMessage(
  state: DiscordState,
  baseUrl: string,
  record: MessageRecord,
  body: Record<string, unknown>,
  files: UploadedFile[],
): MessageRecord {
  const wasLoading = (record.message.flags & FLAG_LOADING) !== 0;
  if (wasLoading) record.message.flags &= ~FLAG_LOADING;
  else record.message.edited_timestamp = new Date().toISOString();
  applyBody(state, baseUrl, record, body, files, wasLoading);
  state.events.emit('messageUpdate', observe(record));
  return record;
}

function applyBody(
  state: DiscordState,
  baseUrl: string,
  record: MessageRecord,
  body: Record<string, unknown>,
  files: UploadedFile[],
  notify: boolean,
): void {
  const m = record.message;
  if (typeof body.content === 'string') m.content = body.content;
  else if (body.content === null) m.content = '';
  if (Array.isArray(body.embeds))
    m.embeds = normalizeEmbeds(structuredClone(body.embeds)) as LocalMessage['embeds'];
  else if (body.embeds === null) m.embeds = [];
  if (Array.isArray(body.components))
    m.components = normalizeComponents(structuredClone(body.components)) as LocalMessage['components'];
  else if (body.components === null) m.components = [];
  if (typeof body.flags === 'number') {
    // Only SUPPRESS_EMBEDS can change on edit; ephemeral-ness and loading are fixed at creation.
    m.flags = (m.flags & ~4) | (body.flags & 4);
  }
  if (body.allowed_mentions !== undefined) record.allowedMentions = body.allowed_mentions;
  applyAttachments(state, baseUrl, record, body.attachments, files);

  const pings = resolvePings(m.content, record.allowedMentions, {
    users: new Set(state.members.keys()),
    mentionableRoles: new Set([...state.roles.values()].filter((r) => r.mentionable).map((r) => r.id)),
  });
  m.mentions = pings.users.flatMap((id) => {
    const user = state.members.get(id)?.user;
    return user ? [user] : [];
  });
  m.mention_roles = pings.roles;
  m.mention_everyone = pings.everyone;
  const ephemeral = (m.flags & FLAG_EPHEMERAL) !== 0;
  const silent = (m.flags & 4096) !== 0;
  if (notify) record.ping = ephemeral || silent ? NO_PING : pings;
}

function applyAttachments(
  state: DiscordState,
  baseUrl: string,
  record: MessageRecord,
  keepList: unknown,
  files: UploadedFile[],
): void {
  const m = record.message;
  const described = new Map<string, Record<string, unknown>>();
  if (Array.isArray(keepList)) {
    const keepIds = new Set<string>();
    for (const entry of keepList) {
      if (!isObject(entry)) continue;
      described.set(String(entry.id), entry);
      keepIds.add(String(entry.id));
    }
    const kept = m.attachments
      .map((a, i) => ({ a, f: record.files[i] }))
      .filter(({ a }) => keepIds.has(a.id));
    m.attachments = kept.map(({ a }) => a);
    record.files = kept.flatMap(({ f }) => (f ? [f] : []));
  }
  files.forEach((file, index) => {
    const meta = described.get(String(index));
    const filename = typeof meta?.filename === 'string' ? meta.filename : file.filename;
    const id = state.ids.next();
    const url = `${baseUrl}/attachments/${m.channel_id}/${id}/${encodeURIComponent(filename)}`;
    const attachment: APIAttachment = {
      id,
      filename,
      size: file.size,
      url,
      proxy_url: url,
      content_type: file.contentType,
      ...(typeof meta?.description === 'string' ? { description: meta.description } : {}),
      ...((m.flags & FLAG_EPHEMERAL) !== 0 ? { ephemeral: true } : {}),
    };
    m.attachments.push(attachment);
    record.files.push({ ...file, filename });
  });
}
