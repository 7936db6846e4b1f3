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
import { rollback } from './rollback.js';
import { smoke } from './smoke.js';
import { verificationButtons } from './verification-buttons.js';
import { rolloutButtons } from './rollout-buttons.js';
import { maintenance } from './maintenance.js';
import { overrideButtons, overrideModals } from './override.js';
import { lock } from './lock.js';
import { unlock } from './unlock.js';
import { status } from './status.js';
// Visibility (§17).
import { stats } from './stats.js';
// Scheduled deploys (§15).
import { schedule } from './schedule.js';

/** Every slash command the bot registers, listed explicitly. */
export const commands: readonly RegisteredCommand[] = [
  deploy,
  approve,
  history,
  audit,
  health,
  freeze,
  maintenance,
  rollback,
  smoke,
  // locks and /status.
  lock,
  unlock,
  status,
  // Visibility (§17).
  stats,
  schedule,
];

/** Buttons by action (the part of custom_id before the opaque id). */
export const buttons: readonly ButtonDefinition[] = [
  ...deployButtons,
  ...overrideButtons,
  ...verificationButtons,
  // Progressive rollout (§15).
  ...rolloutButtons,
];

/** Modals by action. */
export const modals: readonly ModalDefinition[] = [...overrideModals];
