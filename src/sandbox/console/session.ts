import { setTimeout as sleep } from 'node:timers/promises';
import { serviceOf, type Config } from '../../config.js';
import type { InteractionHandle, LocalDiscord, ObservedMessage } from '../discord/index.js';
import type { LocalGitHub } from '../github/index.js';
import { HELP, parseLine, type ConsoleCommand } from './parse.js';
import { runServiceCommand } from './service-command.js';
import type { SandboxServices } from '../services.js';
import { renderModal, renderMessage, renderUsers, type RenderContext } from './render.js';

export interface ConsoleDeps {
  readonly discord: LocalDiscord;
  readonly github: LocalGitHub;
  readonly config: Config;
  /** The services' synthetic traffic (`service degrade|heal`); absent: those commands say so. */
  readonly services?: SandboxServices;
  /** Prints one block of text (a newline is added). */
  readonly write: (text: string) => void;
  readonly now?: () => Date;
  /** How long to wait for the bot to answer a command, click or form. */
  readonly responseTimeoutMs?: number;
  /** How long `click` waits for a message with that button to appear. */
  readonly buttonWaitMs?: number;
}

export type LineResult =
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'exit' }
  | { readonly outcome: 'failed'; readonly error: string };

const LOADING = 128;
const BUTTON = 2;
const MODAL = 9;
const UPDATE_CALLBACKS = new Set([6, 7]);

/**
 * Runs console lines against the local Discord server as the sandbox users, and prints what the bot posts.
 * Answers to a typed line are printed after it (the session waits for them); everything else live.
 */
export class ConsoleSession {
  readonly #deps: ConsoleDeps;
  /** Interactions whose answer the session is waiting for: their messages are printed by the line, not live. */
  readonly #awaiting = new Map<string, Map<string, ObservedMessage>>();
  /** What was last printed per message id, so an unchanged message is not printed twice. */
  readonly #printed = new Map<string, string>();
  /** The interaction that opened the newest form, per user. */
  readonly #modals = new Map<string, InteractionHandle>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(deps: ConsoleDeps) {
    this.#deps = deps;
  }

  /** Starts printing what the bot posts and edits. */
  start(): void {
    const { discord } = this.#deps;
    this.#unsubscribe.push(
      discord.on('messageCreate', (m) => {
        this.#live(m, false);
      }),
      discord.on('messageUpdate', (m) => {
        this.#live(m, true);
      }),
    );
  }

  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Runs one line; never throws. */
  async execute(line: string): Promise<LineResult> {
    const parsed = parseLine(line);
    if (!parsed.ok) return { outcome: 'failed', error: parsed.error };
    try {
      return await this.#run(parsed.command);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { outcome: 'failed', error: message.replace(/^local Discord: /, '') };
    }
  }

  async #run(command: ConsoleCommand): Promise<LineResult> {
    const { discord, github, config, write } = this.#deps;
    switch (command.kind) {
      case 'empty':
        break;
      case 'help':
        write(HELP);
        break;
      case 'exit':
        return { outcome: 'exit' };
      case 'users':
        write(renderUsers(discord.users()));
        break;
      case 'history': {
        const messages = discord.history().filter((m) => (m.flags & LOADING) === 0);
        if (messages.length === 0) write('(no messages in the ops channel yet)');
        for (const m of messages.slice(-command.limit)) write(renderMessage(m, this.#context()));
        break;
      }
      case 'wait':
        await sleep(command.seconds * 1000);
        break;
      case 'github-fail-next': {
        const service = serviceOf(config, command.service);
        if (!service)
          throw new Error(
            `unknown service "${command.service}" (services: ${Object.keys(config.services).join(', ')})`,
          );
        github.failNext(service.repo, service.workflow);
        write(`github: the next ${service.workflow} run of ${service.repo} will fail`);
        break;
      }
      case 'github-dispatch': {
        const service = serviceOf(config, command.service);
        if (!service)
          throw new Error(
            `unknown service "${command.service}" (services: ${Object.keys(config.services).join(', ')})`,
          );
        const run = github.dispatchFromGitHub(service.repo, command.env, { workflow: service.workflow });
        write(
          github.isProtected(command.env)
            ? `github: run ${run.id} of ${service.repo} waits at ${command.env}'s protection rule (the bot is asked)`
            : `github: run ${run.id} of ${service.repo} started; ${command.env} has no protection rule here (SANDBOX_GITHUB_AUTH=app protects prod)`,
        );
        break;
      }
      case 'github-push': {
        const service = serviceOf(config, command.service);
        if (!service)
          throw new Error(
            `unknown service "${command.service}" (services: ${Object.keys(config.services).join(', ')})`,
          );
        const sha = github.push(service.repo, command.message, { branch: service.defaultRef });
        write(`github: pushed ${sha.slice(0, 7)} to ${service.repo}@${service.defaultRef}; CI green in 3 s`);
        break;
      }
      case 'service-degrade':
      case 'service-heal':
        if (!this.#deps.services) throw new Error('this console has no sandbox services');
        write(runServiceCommand(this.#deps.services.traffic, command));
        break;
      case 'command': {
        const user = this.#user(command.user);
        const handle = discord.runCommand(user, command.command, command.options, {
          ...(command.subcommand ? { subcommand: command.subcommand } : {}),
        });
        await this.#answer(handle, user);
        break;
      }
      case 'approve':
      case 'click': {
        const user = this.#user(command.user);
        const label = command.kind === 'approve' ? 'Approve' : command.button;
        const target =
          command.kind === 'click' && command.messageId
            ? command.messageId
            : await this.#messageWithButton(user, label);
        const message = discord.message(target);
        await this.#answer(discord.click(user, target, customIdOf(message, label) ?? label), user);
        break;
      }
      case 'modal': {
        const user = this.#user(command.user);
        const opener = this.#modals.get(user);
        if (!opener) throw new Error(`the bot has not opened a form for ${user}`);
        this.#modals.delete(user);
        await this.#answer(await discord.submitModal(user, opener, command.fields), user);
        break;
      }
    }
    return { outcome: 'ok' };
  }

  /** Waits for the bot's answer to an interaction, then prints it (or the form it opened). */
  async #answer(handle: InteractionHandle, user: string): Promise<void> {
    const timeoutMs = this.#deps.responseTimeoutMs ?? 15_000;
    const held = new Map<string, ObservedMessage>();
    this.#awaiting.set(handle.id, held);
    let response: ObservedMessage | undefined;
    try {
      const type = await handle.acknowledged({ timeoutMs });
      if (type === MODAL) {
        const modal = await handle.modal({ timeoutMs });
        this.#modals.set(user, handle);
        this.#deps.write(renderModal(modal, user));
        return;
      }
      response = await handle.response({ timeoutMs });
      this.#print(response, UPDATE_CALLBACKS.has(type));
    } finally {
      this.#awaiting.delete(handle.id);
      // Follow-ups sent while the answer was awaited, in the order they came.
      for (const message of held.values()) {
        if (message.id !== response?.id) this.#print(message, false);
      }
    }
  }

  #live(message: ObservedMessage, edited: boolean): void {
    if ((message.flags & LOADING) !== 0) return;
    const held = message.interactionId === null ? undefined : this.#awaiting.get(message.interactionId);
    if (held) {
      held.set(message.id, message);
      return;
    }
    this.#print(message, edited);
  }

  #print(message: ObservedMessage, edited: boolean): void {
    const text = renderMessage(message, this.#context(), { edited });
    // Compared without the header (time, markers): an edit that changes nothing visible is not printed again.
    const body = text.slice(text.indexOf('\n') + 1);
    if (this.#printed.get(message.id) === body) return;
    this.#printed.set(message.id, body);
    this.#deps.write(text);
  }

  /** The newest ops-channel message the user can see that has an enabled button with this label or id. */
  async #messageWithButton(user: string, label: string): Promise<string> {
    const { discord } = this.#deps;
    const userId = discord.user(user).id;
    const fits = (m: ObservedMessage): boolean =>
      (m.visibleTo === null || m.visibleTo === userId) && customIdOf(m, label) !== undefined;
    const newest = discord.history().reverse().find(fits);
    if (newest) return newest.id;
    try {
      const appeared = await discord.waitForMessage(fits, {
        channelId: discord.opsChannelId,
        onlyNew: true,
        timeoutMs: this.#deps.buttonWaitMs ?? 5_000,
      });
      return appeared.id;
    } catch {
      throw new Error(`no message in the ops channel has an enabled "${label}" button ${user} can press`);
    }
  }

  #user(name: string): string {
    const users = this.#deps.discord.users().map((u) => u.name);
    if (!users.includes(name)) throw new Error(`unknown user "${name}" (users: ${users.join(', ')})`);
    return name;
  }

  #context(): RenderContext {
    const { discord, config } = this.#deps;
    const users = new Map(discord.users().map((u) => [u.id, u.name]));
    users.set(discord.appId, 'Release Console');
    return {
      users,
      roles: new Map([
        [config.discord.roles.r4, 'R4'],
        [config.discord.roles.r5, 'R5'],
      ]),
      now: this.#deps.now?.() ?? new Date(),
      timeZone: config.timezone,
      opsChannelId: discord.opsChannelId,
    };
  }
}

/** The custom_id of an enabled button whose label (any case) or custom_id is `label`. */
function customIdOf(message: ObservedMessage, label: string): string | undefined {
  const wanted = label.toLowerCase();
  let found: string | undefined;
  const visit = (nodes: unknown): void => {
    if (!Array.isArray(nodes) || found !== undefined) return;
    for (const node of nodes as unknown[]) {
      if (!node || typeof node !== 'object') continue;
      const n = node as Record<string, unknown>;
      if (
        n.type === BUTTON &&
        n.disabled !== true &&
        typeof n.custom_id === 'string' &&
        (n.custom_id === label || (typeof n.label === 'string' && n.label.toLowerCase() === wanted))
      ) {
        found = n.custom_id;
        return;
      }
      visit(n.components);
      if (n.accessory) visit([n.accessory]);
    }
  };
  visit(message.components);
  return found;
}
