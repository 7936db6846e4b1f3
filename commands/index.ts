import type { ButtonDefinition, CommandDefinition, ModalDefinition } from '../src/adapters/discord/command.js';
import { health } from './health.js';

/** Every slash command the bot registers, listed explicitly. */
export const commands: readonly CommandDefinition<never>[] = [health] as readonly CommandDefinition<never>[];

/** Buttons by action (the part of custom_id before the opaque id). */
export const buttons: readonly ButtonDefinition[] = [];

/** Modals by action. */
export const modals: readonly ModalDefinition[] = [];
