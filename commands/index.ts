import type {
  ButtonDefinition,
  ModalDefinition,
  RegisteredCommand,
} from '../src/adapters/discord/command.js';
import { approve } from './approve.js';
import { audit } from './audit.js';
import { deploy } from './deploy.js';
import { deployButtons } from './deploy-buttons.js';
import { freeze } from './freeze.js';
import { health } from './health.js';
import { history } from './history.js';
import { maintenance } from './maintenance.js';
import { overrideButtons, overrideModals } from './override.js';

/** Every slash command the bot registers, listed explicitly. */
export const commands: readonly RegisteredCommand[] = [
  deploy,
  approve,
  history,
  audit,
  health,
  freeze,
  maintenance,
];

/** Buttons by action (the part of custom_id before the opaque id). */
export const buttons: readonly ButtonDefinition[] = [...deployButtons, ...overrideButtons];

/** Modals by action. */
export const modals: readonly ModalDefinition[] = [...overrideModals];
