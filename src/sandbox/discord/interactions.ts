import { randomBytes } from 'node:crypto';
import { BOT_PERMISSIONS, type DiscordState } from './state.js';
import type { LocalMessage, ModalData } from './types.js';

export const ACK_WINDOW_MS = 3_000;
export const TOKEN_LIFETIME_MS = 15 * 60_000;

export const InteractionType = { Command: 2, Component: 3, Autocomplete: 4, ModalSubmit: 5 } as const;
export const CallbackType = {
  Reply: 4,
  Defer: 5,
  DeferUpdate: 6,
  Update: 7,
  Autocomplete: 8,
  Modal: 9,
} as const;

/** Wall-clock milliseconds with sub-millisecond precision (for acknowledgement latencies). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  userId: string;
  channelId: string;
  createdAt: number;
  name: string;
  commandType?: number;
  sourceMessageId: string | null;
  callback: { type: number; at: number } | null;
  originalMessageId: string | null;
  followUpIds: string[];
  modal: ModalData | null;
  choices: unknown[] | null;
  /** Edits of the original response after the callback (a deferred reply counts once filled in). */
  edits: number;
  payload: Record<string, unknown>;
  /**
   * Sent to an Interactions Endpoint URL: settles once its HTTP answer has been applied. Discord takes the
   * HTTP answer before it takes edits and follow-ups of the same interaction, and so does this server.
   */
  httpAnswer?: Promise<void>;
}

/** Interactions in flight, findable by id and by token; wakes waiters whenever one changes. */
export class InteractionStore {
  readonly #byId = new Map<string, InteractionRecord>();
  readonly #byToken = new Map<string, InteractionRecord>();
  readonly #listeners = new Set<() => void>();

  constructor(private readonly state: DiscordState) {}

  create(input: {
    type: number;
    userId: string;
    channelId: string;
    name: string;
    commandType?: number;
    sourceMessageId?: string | null;
    data: Record<string, unknown>;
    message?: LocalMessage;
  }): InteractionRecord {
    const id = this.state.ids.next();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;
    const record: InteractionRecord = {
      id,
      token,
      type: input.type,
      userId: input.userId,
      channelId: input.channelId,
      createdAt: preciseNow(),
      name: input.name,
      ...(input.commandType === undefined ? {} : { commandType: input.commandType }),
      sourceMessageId: input.sourceMessageId ?? null,
      callback: null,
      originalMessageId: null,
      followUpIds: [],
      modal: null,
      choices: null,
      edits: 0,
      payload: {},
    };
    record.payload = this.#payload(record, input.data, input.message);
    this.#byId.set(id, record);
    this.#byToken.set(token, record);
    // Wake waiters when Discord's acknowledgement window closes, so they can report "did not respond".
    setTimeout(() => {
      this.changed();
    }, ACK_WINDOW_MS + 50).unref();
    return record;
  }

  get(id: string): InteractionRecord | undefined {
    return this.#byId.get(id);
  }

  byToken(token: string): InteractionRecord | undefined {
    return this.#byToken.get(token);
  }

  /** The most recent modal shown to `userId` with this custom_id. */
  latestModal(userId: string, customId: string): InteractionRecord | undefined {
    return [...this.#byId.values()]
      .reverse()
      .find((r) => r.userId === userId && r.modal?.custom_id === customId);
  }

  changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Resolves with the first non-undefined value of `probe`, re-checked on every change; rejects after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    const first = probe();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const listener = (): void => {
        let value: T | undefined;
        try {
          value = probe();
        } catch (error) {
          cleanup();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`local Discord: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      this.#listeners.add(listener);
    });
  }

  #payload(
    record: InteractionRecord,
    data: Record<string, unknown>,
    message?: LocalMessage,
  ): Record<string, unknown> {
    const s = this.state;
    const member = s.members.get(record.userId);
    const channel = s.channels.get(record.channelId);
    if (!member) throw new Error(`local Discord: unknown user id ${record.userId}`);
    if (!channel) throw new Error(`local Discord: unknown channel ${record.channelId}`);
    return {
      id: record.id,
      application_id: s.appId,
      type: record.type,
      token: record.token,
      version: 1,
      data,
      guild_id: s.guildId,
      guild: { id: s.guildId, locale: 'en-US', features: [] },
      channel_id: channel.id,
      channel: s.channelJson(channel),
      member: s.memberJson(member, true),
      app_permissions: BOT_PERMISSIONS,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': s.guildId },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
      ...(message ? { message } : {}),
    };
  }
}
