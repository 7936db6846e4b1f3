import {
  ACK_WINDOW_MS,
  CallbackType,
  type InteractionRecord,
  type InteractionStore,
} from './interactions.js';
import { FLAG_LOADING, observe } from './messages.js';
import type { DiscordState } from './state.js';
import type { ModalData, ObservedMessage } from './types.js';
import { FLAG_EPHEMERAL } from './validation.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface WaitOptions {
  timeoutMs?: number;
}

/** One interaction sent by the driver, and what the bot did with it. */
export class InteractionHandle {
  constructor(
    private readonly state: DiscordState,
    private readonly store: InteractionStore,
    private readonly record: InteractionRecord,
    readonly description: string,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get userId(): string {
    return this.record.userId;
  }

  /** The callback type the bot answered with (4 reply, 5 defer, 6 deferred update, 7 update, 8 choices, 9 modal). */
  get callbackType(): number | null {
    return this.record.callback?.type ?? null;
  }

  /** Milliseconds from sending the interaction to the bot's first callback (undefined until it answers). */
  get ackLatencyMs(): number | undefined {
    const callback = this.record.callback;
    return callback ? callback.at - this.record.createdAt : undefined;
  }

  /** Whether the response is ephemeral (false until the bot has responded). */
  get ephemeral(): boolean {
    const original = this.#original();
    return original ? (original.message.flags & FLAG_EPHEMERAL) !== 0 : false;
  }

  /** Waits for the bot's acknowledgement (any callback); fails as Discord would after 3 s without one. */
  acknowledged(options: WaitOptions = {}): Promise<number> {
    return this.#wait(() => this.record.callback?.type, options, 'an acknowledgement');
  }

  /**
   * The message the user ends up seeing: the reply, the updated message, or a deferred reply once the bot has
   * filled it in (edit or first follow-up).
   */
  response(options: WaitOptions = {}): Promise<ObservedMessage> {
    return this.#wait(
      () => {
        const callback = this.record.callback;
        if (!callback) return undefined;
        if (callback.type === CallbackType.Modal)
          throw new Error(`local Discord: ${this.description}: the bot answered with a modal; use modal()`);
        if (callback.type === CallbackType.Autocomplete)
          throw new Error(`local Discord: ${this.description}: the bot answered with autocomplete choices`);
        const original = this.#original();
        if (!original)
          throw new Error(`local Discord: ${this.description}: the response message was deleted`);
        if (callback.type === CallbackType.Defer && (original.message.flags & FLAG_LOADING) !== 0)
          return undefined;
        if (callback.type === CallbackType.DeferUpdate && this.record.edits === 0) return undefined;
        return observe(original);
      },
      options,
      'the response message',
    );
  }

  /** The modal the bot opened in answer to this interaction. */
  modal(options: WaitOptions = {}): Promise<ModalData> {
    return this.#wait(
      () => {
        if (!this.record.callback) return undefined;
        if (!this.record.modal)
          throw new Error(
            `local Discord: ${this.description}: the bot answered with callback type ${this.record.callback.type}, not a modal`,
          );
        return structuredClone(this.record.modal);
      },
      options,
      'a modal',
    );
  }

  /** Autocomplete choices (for autocomplete interactions). */
  choices(options: WaitOptions = {}): Promise<{ name: string; value: string | number }[]> {
    return this.#wait(
      () =>
        this.record.choices
          ? (structuredClone(this.record.choices) as { name: string; value: string | number }[])
          : undefined,
      options,
      'autocomplete choices',
    );
  }

  /** Follow-up messages sent so far. */
  followUps(): ObservedMessage[] {
    return this.record.followUpIds.flatMap((id) => {
      const record = this.state.messages.get(id);
      return record ? [observe(record)] : [];
    });
  }

  /** Waits for a follow-up (the first one matching `predicate`, if given). */
  waitForFollowUp(
    predicate: (m: ObservedMessage) => boolean = () => true,
    options: WaitOptions = {},
  ): Promise<ObservedMessage> {
    return this.#wait(() => this.followUps().find(predicate), options, 'a follow-up message');
  }

  /** Internal: the source record, for modals shown in answer to this interaction. */
  get modalSource(): { record: InteractionRecord } {
    return { record: this.record };
  }

  #original() {
    return this.record.originalMessageId ? this.state.messages.get(this.record.originalMessageId) : undefined;
  }

  #wait<T>(probe: () => T | undefined, options: WaitOptions, what: string): Promise<T> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return this.store.waitFor(
      () => {
        if (!this.record.callback && Date.now() - this.record.createdAt > ACK_WINDOW_MS)
          throw new Error(
            `local Discord: ${this.description}: the bot did not acknowledge the interaction within 3 s ("The application did not respond")`,
          );
        return probe();
      },
      timeoutMs,
      () => `${what} to ${this.description}`,
    );
  }
}
