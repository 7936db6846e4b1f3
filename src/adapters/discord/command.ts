import type {
  APIActionRowComponent,
  APIComponentInMessageActionRow,
  APIEmbed,
  APIModalInteractionResponseCallbackData,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { z } from 'zod';
import type { AppDeps } from '../../app/ports/deps.js';
import type { Actor } from '../../domain/model.js';
import type { Logger } from '../../logger.js';
import {
  declareOptions,
  declareSubcommands,
  type CommandHead,
  type OptionMap,
  type ParsedOptions,
  type ParsedSubcommands,
  type SubcommandMap,
} from './command-options.js';

/** What the bot sends: the same shape for replies, channel messages and card edits. */
export interface MessageView {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
  /** `description`: the attachment's alt text (screen readers). */
  files?: { name: string; data: Buffer | string; description?: string }[];
}

/** The person who acted, with the roles Discord sent in this very interaction (never cached ones). */
export interface ActingMember extends Actor {
  readonly roleIds: readonly string[];
}

export interface CommandContext<O> {
  readonly options: O;
  readonly actor: ActingMember;
  readonly deps: AppDeps;
  readonly log: Logger;
  readonly channelId: string;
}

export interface AutocompleteContext {
  readonly focused: { name: string; value: string };
  /** The other options typed so far. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly deps: AppDeps;
}

export interface CommandDefinition<O = unknown> {
  readonly data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Parses the interaction's options (flattened, with `subcommand` when there is one). */
  readonly options: z.ZodType<O>;
  /** Whether the answer is only for the person who ran the command. */
  readonly ephemeral: boolean | ((options: O) => boolean);
  run(context: CommandContext<O>): Promise<MessageView>;
  autocomplete?(
    context: AutocompleteContext,
  ): { name: string; value: string }[] | Promise<{ name: string; value: string }[]>;
}

/** A command as the router holds it: its options type is known only inside its own file. */
export type RegisteredCommand = CommandDefinition;

/** What a command does with its parsed options; the declaration says what the options are. */
interface CommandBehaviour<O> {
  readonly ephemeral: CommandDefinition<O>['ephemeral'];
  readonly run: (context: CommandContext<O>) => Promise<MessageView>;
  readonly autocomplete?: CommandDefinition<O>['autocomplete'];
}

export type FlatCommand<O extends OptionMap> = CommandHead & {
  readonly options?: O;
  readonly subcommands?: never;
} & CommandBehaviour<ParsedOptions<O>>;

export type SubcommandCommand<S extends SubcommandMap> = CommandHead & {
  readonly subcommands: S;
  readonly options?: never;
} & CommandBehaviour<ParsedSubcommands<S>>;

/**
 * Declares a slash command once: its registration JSON and the schema its options are parsed with both
 * come from the same option declarations (see command-options.ts), and `run` gets their parsed type.
 */
export function defineCommand<O extends OptionMap = OptionMap>(
  declaration: FlatCommand<O>,
): RegisteredCommand;
export function defineCommand<S extends SubcommandMap>(declaration: SubcommandCommand<S>): RegisteredCommand;
export function defineCommand(declaration: FlatCommand<OptionMap> | SubcommandCommand<SubcommandMap>) {
  const head = { name: declaration.name, description: declaration.description };
  const { data, schema } = declaration.subcommands
    ? declareSubcommands(head, declaration.subcommands)
    : declareOptions(head, declaration.options);
  // The handler's options type is known only inside its own file; the router holds every command alike.
  const { ephemeral, run, autocomplete } = declaration as unknown as CommandBehaviour<unknown>;
  const definition: RegisteredCommand = {
    data,
    options: schema,
    ephemeral,
    run,
    ...(autocomplete ? { autocomplete } : {}),
  };
  return definition;
}

export interface ComponentContext {
  /** The opaque id carried after the action in the custom_id. */
  readonly id: string;
  readonly actor: ActingMember;
  readonly deps: AppDeps;
  readonly log: Logger;
  readonly channelId: string;
  readonly messageId: string;
}

export interface ModalContext extends ComponentContext {
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * A button: `custom_id` is `<action>:<opaque id>`. Who may press it is decided by `run` from the database
 * and the live roles, never from the id's text. The clicker gets an ephemeral answer; cards are edited by
 * the app as the state moves.
 */
export interface ButtonDefinition {
  readonly action: string;
  /** When set and it returns a modal, the click opens that modal instead of running. */
  modal?(context: ComponentContext): Promise<APIModalInteractionResponseCallbackData | undefined>;
  run(context: ComponentContext): Promise<MessageView>;
}

export interface ModalDefinition {
  readonly action: string;
  run(context: ModalContext): Promise<MessageView>;
}

export function defineButton(definition: ButtonDefinition): ButtonDefinition {
  return definition;
}

export function defineModal(definition: ModalDefinition): ModalDefinition {
  return definition;
}

export function customId(action: string, id: string): string {
  return `${action}:${id}`;
}

export function parseCustomId(value: string): { action: string; id: string } | undefined {
  const match = /^([a-z][a-z-]{0,30}):([A-Za-z0-9_-]{1,60})$/.exec(value);
  return match ? { action: match[1] ?? '', id: match[2] ?? '' } : undefined;
}
