import { defineButton } from '../src/adapters/discord/command.js';
import { ROLLOUT_BUTTONS } from '../src/adapters/discord/render/rollout.js';
import { controlRollout } from '../src/app/rollout/controls.js';
import { trafficOf } from '../src/domain/rollout.js';

/** Promote, Pause/Resume and Abort on a rolling-out card (§15): R4/R5, decided from live roles and the record. */
export const rolloutButtons = [
  defineButton({
    action: ROLLOUT_BUTTONS.promote,
    async run({ id, actor, deps }) {
      const deploy = await controlRollout(deps, actor, id, 'promote');
      const next = deploy.rollout ? trafficOf(deploy.rollout) : 100;
      return { content: `⏩ Promoted ${deploy.id}: the next step goes now (now at ${next} %).` };
    },
  }),
  defineButton({
    action: ROLLOUT_BUTTONS.pause,
    async run({ id, actor, deps }) {
      const deploy = await controlRollout(deps, actor, id, 'pause');
      return { content: `⏸️ Paused the rollout of ${deploy.id}; press Resume to go on.` };
    },
  }),
  defineButton({
    action: ROLLOUT_BUTTONS.resume,
    async run({ id, actor, deps }) {
      const deploy = await controlRollout(deps, actor, id, 'resume');
      return { content: `▶️ Resumed the rollout of ${deploy.id}.` };
    },
  }),
  defineButton({
    action: ROLLOUT_BUTTONS.abort,
    async run({ id, actor, deps }) {
      const deploy = await controlRollout(deps, actor, id, 'abort');
      return {
        content: `🛑 Aborted the rollout of ${deploy.id}: rolling back to the last verified version; ${deploy.env} is locked.`,
      };
    },
  }),
];
