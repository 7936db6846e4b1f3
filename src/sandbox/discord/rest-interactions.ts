import { isObject } from './form-errors.js';
import { DiscordHttpError, invalidForm, unknownMessage, type ParsedBody } from './http.js';
import { validateAutocomplete, validateModal } from './interaction-validation.js';
import {
  ACK_WINDOW_MS,
  CallbackType,
  InteractionType,
  TOKEN_LIFETIME_MS,
  type InteractionRecord,
  preciseNow,
} from './interactions.js';
import { FLAG_LOADING, type MessageRecord } from './messages.js';
import { createChecked, editChecked } from './rest-messages.js';
import { ok, route, type Route, type ServerContext } from './router.js';
import type { LocalMessage, ModalData } from './types.js';
import { FLAG_EPHEMERAL } from './validation.js';

const ALLOWED_CALLBACKS: Record<number, readonly number[]> = {
  [InteractionType.Command]: [CallbackType.Reply, CallbackType.Defer, CallbackType.Modal],
  [InteractionType.Component]: [
    CallbackType.Reply,
    CallbackType.Defer,
    CallbackType.DeferUpdate,
    CallbackType.Update,
    CallbackType.Modal,
  ],
  [InteractionType.Autocomplete]: [CallbackType.Autocomplete],
  [InteractionType.ModalSubmit]: [
    CallbackType.Reply,
    CallbackType.Defer,
    CallbackType.DeferUpdate,
    CallbackType.Update,
  ],
};

const unknownInteraction = (): DiscordHttpError => new DiscordHttpError(404, 10062, 'Unknown interaction');
const alreadyAcknowledged = (): DiscordHttpError =>
  new DiscordHttpError(400, 40060, 'Interaction has already been acknowledged.');

export function interactionRoutes(ctx: ServerContext): Route[] {
  const s = ctx.state;

  const metadata = (
    record: InteractionRecord,
    extra: Partial<NonNullable<LocalMessage['interaction_metadata']>> = {},
  ) => {
    const user = s.members.get(record.userId)?.user ?? s.botUser;
    return {
      internalId: record.id,
      id: record.id,
      type: record.type,
      user,
      authorizing_integration_owners: { '0': s.guildId },
      ...(record.type === InteractionType.Command
        ? { name: record.name, command_type: record.commandType ?? 1 }
        : {}),
      ...(record.sourceMessageId ? { interacted_message_id: record.sourceMessageId } : {}),
      ...extra,
    };
  };

  const announce = (record: MessageRecord, event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE'): void => {
    if (record.visibleTo === null) ctx.gateway.dispatch(event, record.message, 1 << 9);
  };

  const sourceMessage = (record: InteractionRecord): MessageRecord => {
    const source = record.sourceMessageId ? s.messages.get(record.sourceMessageId) : undefined;
    if (!source) throw new DiscordHttpError(400, 50035, 'Invalid Form Body', typeError());
    return source;
  };

  const callback = (record: InteractionRecord, type: number, data: ParsedBody): MessageRecord | null => {
    switch (type) {
      case CallbackType.Reply:
      case CallbackType.Defer: {
        const message = createChecked(ctx, {
          channelId: record.channelId,
          body:
            type === CallbackType.Defer
              ? { json: { flags: flagsOf(data.json) & FLAG_EPHEMERAL }, files: [] }
              : data,
          webhook: true,
          interaction: metadata(record),
          visibleTo: record.userId,
          loading: type === CallbackType.Defer,
        });
        record.originalMessageId = message.message.id;
        announce(message, 'MESSAGE_CREATE');
        return message;
      }
      case CallbackType.DeferUpdate:
        record.originalMessageId = sourceMessage(record).message.id;
        return sourceMessage(record);
      case CallbackType.Update: {
        const message = editChecked(ctx, sourceMessage(record), data);
        record.originalMessageId = message.message.id;
        announce(message, 'MESSAGE_UPDATE');
        return message;
      }
      case CallbackType.Autocomplete: {
        const errors = validateAutocomplete(data.json);
        if (errors) throw invalidForm(errors);
        record.choices = (data.json.choices as unknown[] | undefined) ?? [];
        return null;
      }
      default: {
        const errors = validateModal(data.json);
        if (errors) throw invalidForm(errors);
        record.modal = structuredClone(data.json) as unknown as ModalData;
        return null;
      }
    }
  };

  const resolveToken = async (
    app: string | undefined,
    token: string | undefined,
  ): Promise<InteractionRecord> => {
    if (app !== s.appId) throw new DiscordHttpError(404, 10015, 'Unknown Webhook');
    const record = token === undefined ? undefined : ctx.interactions.byToken(token);
    if (!record || preciseNow() - record.createdAt > TOKEN_LIFETIME_MS)
      throw new DiscordHttpError(401, 50027, 'Invalid Webhook Token');
    await record.httpAnswer;
    return record;
  };

  const messageOf = (record: InteractionRecord, id: string | undefined): MessageRecord => {
    const target = id === '@original' ? record.originalMessageId : id;
    const allowed =
      target !== null &&
      target !== undefined &&
      (target === record.originalMessageId || record.followUpIds.includes(target));
    const message = allowed ? s.messages.get(target) : undefined;
    if (!message) throw unknownMessage();
    return message;
  };

  return [
    route('POST', '/interactions/:id/:token/callback', 'token', ({ params, query, body }) => {
      const record = params.id === undefined ? undefined : ctx.interactions.get(params.id);
      if (!record || record.token !== params.token) throw unknownInteraction();
      if (record.callback) throw alreadyAcknowledged();
      if (preciseNow() - record.createdAt > ACK_WINDOW_MS) throw unknownInteraction();
      const type = body.json.type;
      if (typeof type !== 'number' || !(ALLOWED_CALLBACKS[record.type] ?? []).includes(type))
        throw new DiscordHttpError(400, 50035, 'Invalid Form Body', typeError());
      const data: ParsedBody = { json: isObject(body.json.data) ? body.json.data : {}, files: body.files };
      const message = callback(record, type, data);
      record.callback = { type, at: preciseNow() };
      ctx.interactions.changed();
      if (query.get('with_response') !== 'true') return ok();
      return ok({
        interaction: {
          id: record.id,
          type: record.type,
          ...(message
            ? {
                response_message_id: message.message.id,
                response_message_loading: (message.message.flags & FLAG_LOADING) !== 0,
                response_message_ephemeral: (message.message.flags & FLAG_EPHEMERAL) !== 0,
              }
            : {}),
        },
        resource: { type, ...(message ? { message: message.message } : {}) },
      });
    }),
    route('GET', '/webhooks/:app/:token/messages/:message', 'token', async ({ params }) =>
      ok(messageOf(await resolveToken(params.app, params.token), params.message).message),
    ),
    route('PATCH', '/webhooks/:app/:token/messages/:message', 'token', async ({ params, body }) => {
      const record = await resolveToken(params.app, params.token);
      const message = editChecked(ctx, messageOf(record, params.message), body);
      if (message.message.id === record.originalMessageId) record.edits += 1;
      announce(message, 'MESSAGE_UPDATE');
      ctx.interactions.changed();
      return ok(message.message);
    }),
    route('DELETE', '/webhooks/:app/:token/messages/:message', 'token', async ({ params }) => {
      const record = await resolveToken(params.app, params.token);
      const message = messageOf(record, params.message);
      s.messages.delete(message.message.id);
      ctx.interactions.changed();
      return ok();
    }),
    route('POST', '/webhooks/:app/:token', 'token', async ({ params, query, body }) => {
      const record = await resolveToken(params.app, params.token);
      if (!record.callback) throw new DiscordHttpError(404, 10015, 'Unknown Webhook');
      const original = record.originalMessageId ? s.messages.get(record.originalMessageId) : undefined;
      let message: MessageRecord;
      if (
        record.callback.type === CallbackType.Defer &&
        original &&
        (original.message.flags & FLAG_LOADING) !== 0
      ) {
        // Discord: the first follow-up after a deferred reply fills in the deferred message.
        message = editChecked(ctx, original, body);
        record.edits += 1;
        announce(message, 'MESSAGE_UPDATE');
      } else {
        message = createChecked(ctx, {
          channelId: record.channelId,
          body,
          webhook: true,
          interaction: metadata(
            record,
            record.originalMessageId ? { original_response_message_id: record.originalMessageId } : {},
          ),
          visibleTo: record.userId,
        });
        record.followUpIds.push(message.message.id);
        announce(message, 'MESSAGE_CREATE');
      }
      ctx.interactions.changed();
      return query.get('wait') === 'true' ? ok(message.message) : ok();
    }),
  ];
}

function flagsOf(json: Record<string, unknown>): number {
  return typeof json.flags === 'number' ? json.flags : 0;
}

function typeError(): Record<string, unknown> {
  return {
    type: {
      _errors: [
        {
          code: 'INTERACTION_RESPONSE_TYPE_INVALID',
          message: 'Interaction response type is invalid for this interaction.',
        },
      ],
    },
  };
}
