import {
  ApplicationCommandOptionType,
  MessageFlags,
  type APIModalInteractionResponseCallbackData,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type GuildMember,
  type Interaction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppDeps } from '../../app/ports/deps.js';
import { isUserFacingError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../http/metrics.js';
import {
  parseCustomId,
  type ActingMember,
  type ButtonDefinition,
  type RegisteredCommand,
  type MessageView,
  type ModalDefinition,
} from './command.js';
import {
  ANSWER_DEADLINE_MS,
  answerBy,
  isMongoUnavailable,
  mongoUnavailableAnswer,
  withDeadline,
  type Answer,
} from './deadline.js';
import { errorView, toPayload } from './render/common.js';
import { githubOutage } from './github-outage.js';

export interface RouterOptions {
  readonly commands: readonly RegisteredCommand[];
  readonly buttons: readonly ButtonDefinition[];
  readonly modals: readonly ModalDefinition[];
  readonly deps: AppDeps;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Whether MongoDB is why a handler is slow right now (see watchMongo); never, when not given. */
  readonly mongoTroubled?: () => boolean;
  /** How long after receipt a handler held up by MongoDB is answered for (default ANSWER_DEADLINE_MS). */
  readonly deadlineMs?: number;
}

type OptionValue = string | number | boolean;

/** Flattens a command's options: `{ subcommand?: 'start', name: value, … }`. */
export function flattenOptions(options: readonly CommandInteractionOption[]): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const option of options) {
    if (option.type === ApplicationCommandOptionType.Subcommand) {
      out.subcommand = option.name;
      Object.assign(out, flattenOptions(option.options ?? []));
    } else if (option.type === ApplicationCommandOptionType.SubcommandGroup) {
      out.group = option.name;
      Object.assign(out, flattenOptions(option.options ?? []));
    } else if (option.value !== undefined) {
      out[option.name] = option.value;
    }
  }
  return out;
}

function actingMember(interaction: Interaction): ActingMember {
  const member = interaction.member;
  let roleIds: string[] = [];
  if (member) {
    roleIds = Array.isArray(member.roles)
      ? [...member.roles]
      : [...(member as GuildMember).roles.cache.keys()];
  }
  const memberName = member && 'displayName' in member ? member.displayName : member?.nick;
  return {
    id: interaction.user.id,
    name: memberName ?? interaction.user.globalName ?? interaction.user.username,
    roleIds,
  };
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const name = issue.path.map(String).join('.');
      return name ? `\`${name}\`: ${issue.message}` : issue.message;
    })
    .join('\n');
}

/**
 * Turns any failure into an answer for the person: their mistake (UserFacingError, bad options) in plain
 * words; an outage as "temporarily unavailable"; anything else as a reference the logs carry.
 */
export function viewForError(error: unknown, log: Logger): MessageView {
  if (isUserFacingError(error)) return errorView(error.message);
  const outage = githubOutage(error);
  if (outage) {
    log.warn({ err: error }, 'GitHub unavailable');
    return errorView(outage.message);
  }
  if (error instanceof z.ZodError) return errorView(`Please check the options:\n${describeZodError(error)}`);
  if (isMongoUnavailable(error)) {
    log.warn({ err: error }, 'MongoDB unavailable');
    return mongoUnavailableAnswer().view;
  }
  const ref = randomUUID().slice(0, 8);
  log.error({ err: error, ref }, 'interaction failed');
  return errorView(`Something went wrong (ref: ${ref}).`);
}

export function createInteractionRouter(options: RouterOptions): (interaction: Interaction) => Promise<void> {
  const { deps, log, metrics, mongoTroubled = () => false, deadlineMs = ANSWER_DEADLINE_MS } = options;
  const commands = new Map(options.commands.map((c) => [c.data.name, c]));
  const buttons = new Map(options.buttons.map((b) => [b.action, b]));
  const modals = new Map(options.modals.map((m) => [m.action, m]));

  /** Runs a handler into an Answer: its view, or the view of what it threw. Never rejects. */
  async function attempt(run: () => Promise<MessageView>, child: Logger): Promise<Answer> {
    try {
      return { view: await run(), outcome: 'ok' };
    } catch (error) {
      const refused = isUserFacingError(error) || error instanceof z.ZodError;
      const view = viewForError(error, child);
      const unavailable = isMongoUnavailable(error) || githubOutage(error) !== undefined;
      return { view, outcome: unavailable ? 'unavailable' : refused ? 'refused' : 'error' };
    }
  }

  /** The handler's answer, or "temporarily unavailable" when MongoDB holds it up past the deadline. */
  function answerInTime(received: number, run: () => Promise<MessageView>, child: Logger): Promise<Answer> {
    return answerBy(received + deadlineMs, attempt(run, child), mongoTroubled, (late) => {
      const message = 'answered "temporarily unavailable"; the handler finished later (answer not shown)';
      if (late.outcome === 'ok') child.warn({ outcome: late.outcome }, message);
      else child.info({ outcome: late.outcome }, message);
    });
  }

  /** Edits the deferred reply; an outage answer to a public defer goes to the person alone instead. */
  async function deliver(
    interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction,
    answer: Answer,
    ephemeral: boolean,
  ): Promise<void> {
    if (answer.outcome === 'unavailable' && !ephemeral) {
      await interaction.deleteReply();
      await interaction.followUp({ ...toPayload(answer.view), flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.editReply(toPayload(answer.view));
  }

  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const command = commands.get(interaction.commandName);
    const received = Date.now();
    const child = log.child({ interactionId: interaction.id, command: interaction.commandName });
    if (!command) {
      await interaction.reply({ ...toPayload(errorView('Unknown command.')), flags: MessageFlags.Ephemeral });
      return;
    }
    // Acknowledge first: Discord allows 3 s, and gates and GitHub calls may take longer. Only a command
    // whose visibility depends on its options is parsed before the acknowledgement.
    let parsed: ReturnType<typeof command.options.safeParse> | undefined;
    let ephemeral: boolean;
    if (typeof command.ephemeral === 'function') {
      parsed = command.options.safeParse(flattenOptions(interaction.options.data));
      ephemeral = !parsed.success || command.ephemeral(parsed.data);
    } else {
      ephemeral = command.ephemeral;
    }
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    metrics.interactionAckSeconds.observe({ kind: 'command' }, (Date.now() - received) / 1000);
    const answer = await answerInTime(
      received,
      async () => {
        parsed ??= command.options.safeParse(flattenOptions(interaction.options.data));
        if (!parsed.success) throw parsed.error;
        return command.run({
          options: parsed.data,
          actor: actingMember(interaction),
          deps,
          log: child,
          channelId: interaction.channelId,
        });
      },
      child,
    );
    metrics.interactions.inc({ kind: 'command', name: interaction.commandName, outcome: answer.outcome });
    await deliver(interaction, answer, ephemeral);
  }

  async function onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const received = Date.now();
    const command = commands.get(interaction.commandName);
    const focused = interaction.options.getFocused(true);
    const lookUp = async (): Promise<{ name: string; value: string }[]> => {
      try {
        return (
          (await command?.autocomplete?.({
            focused: { name: focused.name, value: focused.value },
            options: flattenOptions(interaction.options.data),
            deps,
          })) ?? []
        );
      } catch (error) {
        log.warn({ err: error, command: interaction.commandName }, 'autocomplete failed');
        return [];
      }
    };
    // Suggestions cannot be deferred: none at all beats an autocomplete that fails.
    const choices = await withDeadline(
      received + deadlineMs,
      lookUp(),
      () => [],
      () => undefined,
    );
    await interaction.respond(choices.slice(0, 25));
  }

  async function onButton(interaction: ButtonInteraction): Promise<void> {
    const received = Date.now();
    const parsedId = parseCustomId(interaction.customId);
    const button = parsedId && buttons.get(parsedId.action);
    const child = log.child({ interactionId: interaction.id, button: parsedId?.action, id: parsedId?.id });
    if (!parsedId || !button) {
      await interaction.reply({
        ...toPayload(errorView('This button is no longer active.')),
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const context = {
      id: parsedId.id,
      actor: actingMember(interaction),
      deps,
      log: child,
      channelId: interaction.channelId,
      messageId: interaction.message.id,
    };
    if (button.modal) {
      type Opened = { modal: APIModalInteractionResponseCallbackData | undefined } | { answer: Answer };
      const open = button.modal(context).then(
        (modal): Opened => ({ modal }),
        (error: unknown): Opened => ({ answer: { view: viewForError(error, child), outcome: 'error' } }),
      );
      // A form is shown instead of a defer, so its look-up must finish within the 3 s as well.
      const opened = await withDeadline<Opened>(
        received + deadlineMs,
        open,
        () => ({
          answer: mongoTroubled()
            ? mongoUnavailableAnswer()
            : { view: viewForError(new Error('the form took too long to prepare'), child), outcome: 'error' },
        }),
        () => undefined,
      );
      if ('answer' in opened) {
        await interaction.reply({ ...toPayload(opened.answer.view), flags: MessageFlags.Ephemeral });
        return;
      }
      if (opened.modal) {
        await interaction.showModal(opened.modal);
        return;
      }
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    metrics.interactionAckSeconds.observe({ kind: 'button' }, (Date.now() - received) / 1000);
    const answer = await answerInTime(received, () => button.run(context), child);
    metrics.interactions.inc({ kind: 'button', name: parsedId.action, outcome: answer.outcome });
    await deliver(interaction, answer, true);
  }

  async function onModal(interaction: ModalSubmitInteraction): Promise<void> {
    const received = Date.now();
    const parsedId = parseCustomId(interaction.customId);
    const modal = parsedId && modals.get(parsedId.action);
    const child = log.child({ interactionId: interaction.id, modal: parsedId?.action, id: parsedId?.id });
    if (!parsedId || !modal) {
      await interaction.reply({
        ...toPayload(errorView('This form is no longer active.')),
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const fields: Record<string, string> = {};
    for (const [name, field] of interaction.fields.fields) {
      if ('value' in field && typeof field.value === 'string') fields[name] = field.value;
    }
    const answer = await answerInTime(
      received,
      () =>
        modal.run({
          id: parsedId.id,
          actor: actingMember(interaction),
          deps,
          log: child,
          channelId: interaction.channelId ?? '',
          messageId: interaction.message?.id ?? '',
          fields,
        }),
      child,
    );
    await deliver(interaction, answer, true);
  }

  return async (interaction: Interaction): Promise<void> => {
    try {
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isAutocomplete()) await onAutocomplete(interaction);
      else if (interaction.isButton()) await onButton(interaction);
      else if (interaction.isModalSubmit()) await onModal(interaction);
    } catch (error) {
      // Discord itself refused (expired token, already acknowledged): nothing left to tell the person.
      log.error({ err: error, interactionId: interaction.id }, 'could not answer interaction');
    }
  };
}
