import type {
  ButtonDefinition,
  ModalDefinition,
  RegisteredCommand,
} from '../src/adapters/discord/command.js';
import { approve } from './approve.js';
import { audit } from './audit.js';
import { deploy } from './deploy.js';
import { deployButtons } from './deploy-buttons.js';
import { health } from './health.js';
import { history } from './history.js';

/** Every slash command the bot registers, listed explicitly. */
export const commands: readonly RegisteredCommand[] = [deploy, approve, history, audit, health];

/** Buttons by action (the part of custom_id before the opaque id). */
export const buttons: readonly ButtonDefinition[] = [...deployButtons];

/** Modals by action. */
export const modals: readonly ModalDefinition[] = [];
