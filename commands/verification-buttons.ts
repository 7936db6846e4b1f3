import { defineButton } from '../src/adapters/discord/command.js';
import { DEPLOY_BUTTONS } from '../src/adapters/discord/render/deploy-card.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { acknowledgeEmergency, rollbackFromCard } from '../src/app/rollback.js';
import { confirmVerification } from '../src/app/verification.js';

/** Verified, Rollback and Acknowledge on deploy cards. Who may press is decided from the database and live roles. */
export const verificationButtons = [
  defineButton({
    action: DEPLOY_BUTTONS.verify,
    async run({ id, actor, deps }) {
      const { deploy, outcome } = await confirmVerification(deps, actor, id);
      return {
        content:
          outcome === 'verified'
            ? `✔️ ${deploy.service} ${deploy.version ?? ''} on ${deploy.env} is verified.`
            : outcome === 'faulty'
              ? `🔴 The automatic checks of ${deploy.id} failed: it is faulty.`
              : `👍 Noted: ${deploy.id} is verified as soon as the automatic checks pass.`,
      };
    },
  }),
  defineButton({
    action: DEPLOY_BUTTONS.rollback,
    async run({ id, actor, deps }) {
      const { progress } = await rollbackFromCard(deps, actor, id);
      return renderProgress(progress, deps.config.discord.guilds[0]?.id);
    },
  }),
  defineButton({
    action: DEPLOY_BUTTONS.acknowledge,
    async run({ id, actor, deps }) {
      const deploy = await acknowledgeEmergency(deps, actor, id);
      return { content: `🤝 Acknowledged emergency rollback ${deploy.id}.` };
    },
  }),
];
