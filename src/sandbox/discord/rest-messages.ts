import { DiscordHttpError, invalidForm, unknownChannel, unknownMessage, type ParsedBody } from './http.js';
import { createMessage, editMessage, type MessageRecord, type NewMessage } from './messages.js';
import { ok, route, type Route, type ServerContext } from './router.js';
import { isEmptyMessage, validateMessageBody } from './validation.js';

/** The inactivity periods Discord allows a thread (minutes). */
const THREAD_ARCHIVE_MINUTES: readonly number[] = [60, 1440, 4320, 10080];

const MAX_FILES = 10;

/** Validates like Discord, then stores the message. */
export function createChecked(
  ctx: ServerContext,
  input: Omit<NewMessage, 'body' | 'files'> & { body: ParsedBody },
): MessageRecord {
  const { json, files } = input.body;
  checkBody(json, files.length);
  if (!input.loading && isEmptyMessage(json, files.length))
    throw new DiscordHttpError(400, 50006, 'Cannot send an empty message');
  return createMessage(ctx.state, ctx.origin(), { ...input, body: json, files });
}

export function editChecked(ctx: ServerContext, record: MessageRecord, body: ParsedBody): MessageRecord {
  checkBody(body.json, body.files.length);
  return editMessage(ctx.state, ctx.origin(), record, body.json, body.files);
}

function checkBody(json: Record<string, unknown>, fileCount: number): void {
  const errors = validateMessageBody(json);
  if (errors) throw invalidForm(errors);
  if (fileCount > MAX_FILES)
    throw new DiscordHttpError(
      400,
      30015,
      `Maximum number of attachments in a message reached (${MAX_FILES})`,
    );
}

function channelOf(ctx: ServerContext, id: string | undefined) {
  const channel = id === undefined ? undefined : ctx.state.channels.get(id);
  if (!channel) throw unknownChannel();
  return channel;
}

function messageIn(
  ctx: ServerContext,
  channelId: string | undefined,
  messageId: string | undefined,
): MessageRecord {
  channelOf(ctx, channelId);
  const record = messageId === undefined ? undefined : ctx.state.messages.get(messageId);
  // Ephemeral messages cannot be fetched through channel routes, as on Discord.
  if (!record || record.message.channel_id !== channelId || record.visibleTo !== null) throw unknownMessage();
  return record;
}

export function messageRoutes(ctx: ServerContext): Route[] {
  const s = ctx.state;
  const pin = (channelId: string | undefined, messageId: string | undefined) => {
    const record = messageIn(ctx, channelId, messageId);
    const channel = channelOf(ctx, channelId);
    if (!channel.pins.includes(record.message.id)) {
      if (channel.pins.length >= 250)
        throw new DiscordHttpError(400, 30003, 'Maximum number of pins reached (250)');
      channel.pins.unshift(record.message.id);
    }
    record.message.pinned = true;
    return ok();
  };
  const unpin = (channelId: string | undefined, messageId: string | undefined) => {
    const record = messageIn(ctx, channelId, messageId);
    const channel = channelOf(ctx, channelId);
    channel.pins = channel.pins.filter((id) => id !== record.message.id);
    record.message.pinned = false;
    return ok();
  };
  const pinned = (channelId: string | undefined) =>
    channelOf(ctx, channelId).pins.flatMap((id) => {
      const record = s.messages.get(id);
      return record ? [record.message] : [];
    });

  // enforce_nonce: a message created with the same nonce in the channel in the past few minutes is
  // answered again instead of being created twice (Discord keeps them for a few minutes).
  const nonces = new Map<string, { messageId: string; at: number }>();
  const NONCE_WINDOW_MS = 5 * 60_000;
  const sameNonce = (channelId: string, json: Record<string, unknown>): MessageRecord | undefined => {
    const nonce = json.nonce;
    if (json.enforce_nonce !== true || (typeof nonce !== 'string' && typeof nonce !== 'number'))
      return undefined;
    const seen = nonces.get(`${channelId}:${String(nonce)}`);
    if (!seen || Date.now() - seen.at > NONCE_WINDOW_MS) return undefined;
    return s.messages.get(seen.messageId);
  };

  return [
    route('GET', '/channels/:channel', 'bot', ({ params }) =>
      ok(s.channelJson(channelOf(ctx, params.channel))),
    ),
    route('POST', '/channels/:channel/messages', 'bot', ({ params, body }) => {
      const channel = channelOf(ctx, params.channel);
      if (typeof body.json.flags === 'number' && (body.json.flags & 64) !== 0)
        throw new DiscordHttpError(400, 50035, 'Invalid Form Body', {
          flags: {
            _errors: [
              { code: 'MESSAGE_CANNOT_SET_FLAGS', message: 'Some flags cannot be set by the client.' },
            ],
          },
        });
      const nonce = body.json.nonce;
      if (typeof nonce === 'string' && nonce.length > 25)
        throw new DiscordHttpError(400, 50035, 'Invalid Form Body', {
          nonce: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] },
        });
      const earlier = sameNonce(channel.id, body.json);
      if (earlier) return ok(earlier.message);
      const record = createChecked(ctx, { channelId: channel.id, body, webhook: false, visibleTo: null });
      if (typeof nonce === 'string' || typeof nonce === 'number') {
        nonces.set(`${channel.id}:${String(nonce)}`, { messageId: record.message.id, at: Date.now() });
      }
      ctx.gateway.dispatch('MESSAGE_CREATE', record.message, 1 << 9);
      return ok(record.message);
    }),
    route('GET', '/channels/:channel/messages', 'bot', ({ params, query }) => {
      const channel = channelOf(ctx, params.channel);
      const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 50)));
      const before = query.get('before');
      const after = query.get('after');
      let list = [...s.messages.values()]
        .filter((r) => r.message.channel_id === channel.id && r.visibleTo === null)
        .map((r) => r.message);
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
      // Newest first, as Discord answers.
      list.reverse();
      return ok(after ? list.slice(-limit) : list.slice(0, limit));
    }),
    route('GET', '/channels/:channel/messages/pins', 'bot', ({ params }) =>
      ok({
        items: pinned(params.channel).map((message) => ({ pinned_at: message.timestamp, message })),
        has_more: false,
      }),
    ),
    route('PUT', '/channels/:channel/messages/pins/:message', 'bot', ({ params }) =>
      pin(params.channel, params.message),
    ),
    route('DELETE', '/channels/:channel/messages/pins/:message', 'bot', ({ params }) =>
      unpin(params.channel, params.message),
    ),
    route('GET', '/channels/:channel/pins', 'bot', ({ params }) => ok(pinned(params.channel))),
    route('PUT', '/channels/:channel/pins/:message', 'bot', ({ params }) =>
      pin(params.channel, params.message),
    ),
    route('DELETE', '/channels/:channel/pins/:message', 'bot', ({ params }) =>
      unpin(params.channel, params.message),
    ),
    route('GET', '/channels/:channel/messages/:message', 'bot', ({ params }) =>
      ok(messageIn(ctx, params.channel, params.message).message),
    ),
    route('PATCH', '/channels/:channel/messages/:message', 'bot', ({ params, body }) => {
      const record = editChecked(ctx, messageIn(ctx, params.channel, params.message), body);
      ctx.gateway.dispatch('MESSAGE_UPDATE', record.message, 1 << 9);
      return ok(record.message);
    }),
    route('DELETE', '/channels/:channel/messages/:message', 'bot', ({ params }) => {
      const record = messageIn(ctx, params.channel, params.message);
      s.messages.delete(record.message.id);
      ctx.gateway.dispatch(
        'MESSAGE_DELETE',
        { id: record.message.id, channel_id: record.message.channel_id, guild_id: s.guildId },
        1 << 9,
      );
      return ok();
    }),
    route('POST', '/channels/:channel/messages/:message/threads', 'bot', ({ params, body }) => {
      const record = messageIn(ctx, params.channel, params.message);
      const parent = channelOf(ctx, params.channel);
      if (parent.type !== 0)
        throw new DiscordHttpError(400, 50024, 'Cannot execute action on this channel type');
      if ([...s.channels.values()].some((c) => c.id === record.message.id))
        throw new DiscordHttpError(400, 160004, 'A thread has already been created for this message');
      const name = body.json.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > 100)
        throw new DiscordHttpError(400, 50035, 'Invalid Form Body', {
          name: {
            _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }],
          },
        });
      const archive = body.json.auto_archive_duration;
      if (archive !== undefined && !THREAD_ARCHIVE_MINUTES.includes(archive as number))
        throw new DiscordHttpError(400, 50035, 'Invalid Form Body', {
          auto_archive_duration: {
            _errors: [
              { code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {60, 1440, 4320, 10080}.' },
            ],
          },
        });
      // A thread started from a message has the message's id.
      const thread = {
        id: record.message.id,
        type: 11 as const,
        name,
        parentId: parent.id,
        ownerId: s.appId,
        ...(typeof archive === 'number' ? { autoArchiveDuration: archive } : {}),
        createdAt: new Date().toISOString(),
        pins: [],
        lastMessageId: null,
        messageCount: 0,
      };
      s.channels.set(thread.id, thread);
      const json = { ...s.channelJson(thread), newly_created: true };
      ctx.gateway.dispatch('THREAD_CREATE', json, 1 << 0);
      return { status: 201, body: s.channelJson(thread) };
    }),
  ];
}
