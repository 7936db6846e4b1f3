import { buildCommandData, type OptionValue } from './command-options.js';
import type { Gateway } from './gateway.js';
import { Intents } from './gateway.js';
import { DEFAULT_TIMEOUT_MS, InteractionHandle, type WaitOptions } from './handle.js';
import type { RateLimits, RouteMatcher } from './http.js';
import { InteractionType, type InteractionStore } from './interactions.js';
import { observe } from './messages.js';
import { pinged } from './mentions.js';
import type { DiscordState, MemberRecord } from './state.js';
import type {
  ApplicationCommand,
  GatewayConnectionCounts,
  LocalDiscordEvents,
  LocalUserInfo,
  ModalData,
  ObservedMessage,
} from './types.js';
import { findButton, findSelect, modalSubmitComponents } from './driver-components.js';
import { InteractionsEndpoint, type EndpointDeliveries } from './interactions-endpoint.js';

export interface CommandContext {
  subcommand?: string;
  channelId?: string;
}

/** Acts as the people in the guild, and observes what the bot does. For tests and the sandbox console. */
export class Driver {
  // HTTP interactions mode: the application's Interactions Endpoint URL and its signing key pair.
  readonly #endpoint = new InteractionsEndpoint();
  /** The REST base the endpoint's answers are applied through (set by the server once it listens). */
  protected apiBase = '';

  constructor(
    protected readonly state: DiscordState,
    protected readonly interactions: InteractionStore,
    protected readonly gateway: Gateway,
    protected readonly rateLimits: RateLimits,
  ) {}

  on<E extends keyof LocalDiscordEvents>(
    event: E,
    listener: (...args: LocalDiscordEvents[E]) => void,
  ): () => void {
    this.state.events.on(event, listener as never);
    return () => this.state.events.off(event, listener as never);
  }

  users(): LocalUserInfo[] {
    return [...this.state.members.values()]
      .filter((m) => m.user.id !== this.state.appId)
      .map((m) => this.#info(m));
  }

  user(name: string): LocalUserInfo {
    return this.#info(this.state.requireMember(name));
  }

  addUser(name: string, roleNames: readonly string[] = []): LocalUserInfo {
    const member = this.state.addMember({ name, roles: roleNames });
    this.gateway.dispatch(
      'GUILD_MEMBER_ADD',
      { ...this.state.memberJson(member), guild_id: this.state.guildId },
      Intents.GuildMembers,
    );
    return this.#info(member);
  }

  setRoles(name: string, roleNames: readonly string[]): LocalUserInfo {
    const member = this.state.requireMember(name);
    member.roleIds = this.state.roleIdsByName(roleNames);
    this.gateway.dispatch(
      'GUILD_MEMBER_UPDATE',
      { ...this.state.memberJson(member), guild_id: this.state.guildId },
      Intents.GuildMembers,
    );
    return this.#info(member);
  }

  commands(guildId: string = this.state.guildId): ApplicationCommand[] {
    return structuredClone(this.state.guildCommands.get(guildId) ?? []);
  }

  globalCommandsRegistered(): boolean {
    return this.state.globalCommandWrites > 0;
  }

  gatewayConnections(): GatewayConnectionCounts {
    return this.gateway.counts();
  }

  /** Waits until a bot session is connected and has its guild (bounded). */
  waitForBot(options: WaitOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (this.gateway.counts().open > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`local Discord: no bot connected to the gateway within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.gateway.onChange(() => {
        if (this.gateway.counts().open === 0) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** The next matching request is answered with a real 429 (`Retry-After`, `retry_after`, `global: false`). */
  rateLimitNext(matcher: RouteMatcher, retryAfterSeconds: number): void {
    this.rateLimits.injectNext(matcher, retryAfterSeconds);
  }

  /** The next matching request gets a global 429 (`X-RateLimit-Global: true`, `global: true` in the body). */
  rateLimitGloballyNext(matcher: RouteMatcher, retryAfterSeconds: number): void {
    this.rateLimits.injectNext(matcher, retryAfterSeconds, true);
  }

  /**
   * Drops the gateway connections with close `code`. The client may resume after most codes; after 4007
   * (invalid seq) and 4009 (session timed out) Discord has dropped the session, so a resume is refused.
   */
  disconnectGateway(code = 4000): void {
    this.gateway.disconnectAll(code);
  }

  /** Sends INVALID_SESSION (op 9) to every open session, as Discord does; `resumable: false` drops them. */
  invalidateGatewaySessions(resumable = false): void {
    this.gateway.invalidateAll(resumable);
  }

  runCommand(
    userName: string,
    commandName: string,
    options: Readonly<Record<string, OptionValue>> = {},
    context: CommandContext = {},
  ): InteractionHandle {
    const member = this.state.requireMember(userName);
    const command = this.#command(commandName);
    const data = buildCommandData(this.state, command, options, context.subcommand);
    const label = `/${commandName}${context.subcommand ? ` ${context.subcommand}` : ''} by ${userName}`;
    return this.#send(member, label, {
      type: InteractionType.Command,
      channelId: context.channelId ?? this.state.opsChannelId,
      name: commandName,
      commandType: command.type,
      data,
    });
  }

  async autocomplete(
    userName: string,
    commandName: string,
    focusedOption: string,
    partialValue: string,
    otherOptions: Readonly<Record<string, OptionValue>> = {},
    context: CommandContext & WaitOptions = {},
  ): Promise<{ name: string; value: string | number }[]> {
    const member = this.state.requireMember(userName);
    const command = this.#command(commandName);
    const data = buildCommandData(
      this.state,
      command,
      { ...otherOptions, [focusedOption]: partialValue },
      context.subcommand,
      focusedOption,
    );
    const handle = this.#send(member, `autocomplete of ${focusedOption} in /${commandName} by ${userName}`, {
      type: InteractionType.Autocomplete,
      channelId: context.channelId ?? this.state.opsChannelId,
      name: commandName,
      commandType: command.type,
      data,
    });
    return handle.choices(context);
  }

  /** Presses a button (by label or custom_id) on a message the bot posted. */
  click(userName: string, message: ObservedMessage | string, labelOrCustomId: string): InteractionHandle {
    const member = this.state.requireMember(userName);
    const record = this.#messageRecord(message, member);
    const button = findButton(record.message, labelOrCustomId);
    return this.#send(member, `click on "${labelOrCustomId}" by ${userName}`, {
      type: InteractionType.Component,
      channelId: record.message.channel_id,
      name: button.custom_id,
      sourceMessageId: record.message.id,
      data: { custom_id: button.custom_id, component_type: 2, id: button.id },
      message: record.message,
    });
  }

  /** Picks values in a string select menu. */
  select(
    userName: string,
    message: ObservedMessage | string,
    customId: string,
    values: readonly string[],
  ): InteractionHandle {
    const member = this.state.requireMember(userName);
    const record = this.#messageRecord(message, member);
    const menu = findSelect(record.message, customId, values);
    return this.#send(member, `select "${customId}" by ${userName}`, {
      type: InteractionType.Component,
      channelId: record.message.channel_id,
      name: customId,
      sourceMessageId: record.message.id,
      data: { custom_id: customId, component_type: menu.type, values: [...values] },
      message: record.message,
    });
  }

  /** Submits a modal the bot showed: pass the handle that opened it, or the modal's custom_id. */
  async submitModal(
    userName: string,
    modalFrom: InteractionHandle | string,
    fields: Readonly<Record<string, string>>,
    options: WaitOptions = {},
  ): Promise<InteractionHandle> {
    const member = this.state.requireMember(userName);
    let modal: ModalData;
    let origin: InteractionHandle;
    if (typeof modalFrom === 'string') {
      const found = this.interactions.latestModal(member.user.id, modalFrom);
      if (!found) throw new Error(`local Discord: no modal "${modalFrom}" was shown to ${userName}`);
      origin = new InteractionHandle(this.state, this.interactions, found, `modal ${modalFrom}`);
      modal = structuredClone(found.modal as ModalData);
    } else {
      origin = modalFrom;
      modal = await modalFrom.modal(options);
    }
    const source = origin.modalSource.record;
    if (source.userId !== member.user.id)
      throw new Error(
        `local Discord: the modal "${modal.custom_id}" was shown to another user, not ${userName}`,
      );
    const components = modalSubmitComponents(modal, fields);
    const sourceMessage = source.sourceMessageId
      ? this.state.messages.get(source.sourceMessageId)
      : undefined;
    return this.#send(member, `modal "${modal.custom_id}" submitted by ${userName}`, {
      type: InteractionType.ModalSubmit,
      channelId: source.channelId,
      name: modal.custom_id,
      sourceMessageId: sourceMessage?.message.id ?? null,
      data: { custom_id: modal.custom_id, components },
      ...(sourceMessage ? { message: sourceMessage.message } : {}),
    });
  }

  /** A stored message (including ephemeral ones). */
  message(id: string): ObservedMessage {
    const record = this.state.messages.get(id);
    if (!record) throw new Error(`local Discord: no message ${id}`);
    return observe(record);
  }

  /** Messages in a channel (the ops channel by default), oldest first, ephemeral ones included. */
  history(channelId: string = this.state.opsChannelId): ObservedMessage[] {
    return [...this.state.messages.values()].filter((r) => r.message.channel_id === channelId).map(observe);
  }

  /** Every message that notified someone, oldest first. */
  pings(): ObservedMessage[] {
    return [...this.state.messages.values()].filter((r) => pinged(r.ping)).map(observe);
  }

  /**
   * Resolves with the first message (created or edited) matching `predicate`. Existing messages count unless
   * `onlyNew` is set.
   */
  waitForMessage(
    predicate: (m: ObservedMessage) => boolean,
    options: WaitOptions & { channelId?: string; onlyNew?: boolean } = {},
  ): Promise<ObservedMessage> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const fits = (m: ObservedMessage): boolean =>
      (options.channelId === undefined || m.channel_id === options.channelId) && predicate(m);
    if (!options.onlyNew) {
      const existing = [...this.state.messages.values()].map(observe).find(fits);
      if (existing) return Promise.resolve(existing);
    }
    return new Promise((resolve, reject) => {
      const listener = (m: ObservedMessage): void => {
        if (!fits(m)) return;
        cleanup();
        resolve(m);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.state.events.off('messageCreate', listener);
        this.state.events.off('messageUpdate', listener);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`local Discord: no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.state.events.on('messageCreate', listener);
      this.state.events.on('messageUpdate', listener);
    });
  }

  /**
   * Test hook: sends one gateway dispatch as is, unchecked (e.g. an INTERACTION_CREATE that Discord would
   * never send, without `member` or `user`), to see that the bot survives it. Returns its sequence number.
   */
  dispatchRaw(event: string, data: unknown): number {
    if (this.gateway.counts().open === 0)
      throw new Error(`local Discord: cannot send ${event}: no bot is connected to the gateway`);
    return this.gateway.dispatch(event, data);
  }

  /** The application's public key (hex), what the bot takes as DISCORD_PUBLIC_KEY. */
  get interactionsPublicKey(): string {
    return this.#endpoint.publicKey;
  }

  /**
   * Sets the application's Interactions Endpoint URL (several: instances behind a load balancer), checked
   * as Discord checks it; from then on interactions go there instead of over the gateway. [] turns it off.
   */
  setInteractionsEndpoint(urls: readonly string[]): Promise<void> {
    return this.#endpoint.set(urls);
  }

  /** What became of the interactions sent to the endpoint so far. */
  interactionDeliveries(): EndpointDeliveries {
    return { ...this.#endpoint.deliveries };
  }

  /** Headers signed with the application's key, as Discord sends them (for tests of the bot's checks). */
  signInteraction(body: string, timestamp?: number): Record<string, string> {
    return this.#endpoint.signedHeaders(body, timestamp);
  }

  #send(
    member: MemberRecord,
    description: string,
    input: Omit<Parameters<InteractionStore['create']>[0], 'userId'>,
  ): InteractionHandle {
    const overHttp = this.#endpoint.active;
    if (!overHttp && this.gateway.counts().open === 0)
      throw new Error(`local Discord: cannot send ${description}: no bot is connected to the gateway`);
    const record = this.interactions.create({ ...input, userId: member.user.id });
    if (overHttp) {
      // The HTTP answer is applied through the callback route, so it is checked as a callback would be.
      const callback = `${this.apiBase}/v10/interactions/${record.id}/${record.token}/callback`;
      record.httpAnswer = this.#endpoint.deliver(record.payload, async (answer) => {
        const response = await fetch(callback, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: answer,
        });
        if (!response.ok) throw new Error(`interaction answer refused: ${response.status}`);
      });
    } else this.gateway.dispatch('INTERACTION_CREATE', record.payload);
    this.state.events.emit('interactionCreate', { id: record.id, type: record.type, userId: member.user.id });
    return new InteractionHandle(this.state, this.interactions, record, description);
  }

  #command(name: string): ApplicationCommand {
    const commands = this.state.guildCommands.get(this.state.guildId) ?? [];
    const command = commands.find((c) => c.name === name && (c.type as number) === 1);
    if (!command)
      throw new Error(
        `local Discord: /${name} is not registered in the guild (registered: ${commands.map((c) => c.name).join(', ') || 'none'})`,
      );
    return command;
  }

  #messageRecord(message: ObservedMessage | string, member: MemberRecord) {
    const id = typeof message === 'string' ? message : message.id;
    const record = this.state.messages.get(id);
    if (!record) throw new Error(`local Discord: no message ${id}`);
    if (record.visibleTo !== null && record.visibleTo !== member.user.id)
      throw new Error(`local Discord: message ${id} is ephemeral and not visible to ${member.name}`);
    return record;
  }

  #info(member: MemberRecord): LocalUserInfo {
    return {
      name: member.name,
      id: member.user.id,
      roles: member.roleIds.map((id) => this.state.roles.get(id)?.name ?? id),
    };
  }
}
