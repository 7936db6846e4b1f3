import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData } from 'discord.js';
import { customId, defineButton, defineModal } from '../src/adapters/discord/command.js';
import { DEPLOY_BUTTONS } from '../src/adapters/discord/render/deploy-card.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { checkOverride, OVERRIDE_LIMITS, overrideFreeze } from '../src/app/freeze-override.js';

export const OVERRIDE_MODAL = 'override-plan';
export const OVERRIDE_FIELDS = { reason: 'reason', rollbackPlan: 'rollback_plan' } as const;

function overrideModal(deployId: string, title: string): APIModalInteractionResponseCallbackData {
  return {
    custom_id: customId(OVERRIDE_MODAL, deployId),
    title: title.slice(0, 45),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: OVERRIDE_FIELDS.reason,
            label: 'Why this cannot wait for the freeze to end',
            style: TextInputStyle.Short,
            required: true,
            min_length: OVERRIDE_LIMITS.reason.min,
            max_length: OVERRIDE_LIMITS.reason.max,
          },
        ],
      },
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: OVERRIDE_FIELDS.rollbackPlan,
            label: 'Rollback plan',
            style: TextInputStyle.Paragraph,
            required: true,
            min_length: OVERRIDE_LIMITS.rollbackPlan.min,
            max_length: OVERRIDE_LIMITS.rollbackPlan.max,
            placeholder: 'How to go back if it breaks, and who watches it',
          },
        ],
      },
    ],
  };
}

/**
 * Emergency override (§3, §7): "Override freeze" on a queued card opens a form asking an R5 for the reason
 * and the rollback plan; submitting it lifts the freeze for that one deploy. Roles are checked at the click
 * and again at the submit.
 */
export const overrideButtons = [
  defineButton({
    action: DEPLOY_BUTTONS.overrideFreeze,
    async modal({ id, actor, deps }) {
      const deploy = await checkOverride(deps, actor, id);
      return overrideModal(deploy.id, `Override freeze: ${deploy.service} → ${deploy.env}`);
    },
    run() {
      // Only reached when no modal was shown, which modal() never allows: it throws instead.
      return Promise.resolve({ content: '❌ This override is no longer possible.' });
    },
  }),
];

export const overrideModals = [
  defineModal({
    action: OVERRIDE_MODAL,
    async run({ id, actor, deps, fields }) {
      const progress = await overrideFreeze(deps, actor, id, {
        reason: fields[OVERRIDE_FIELDS.reason] ?? '',
        rollbackPlan: fields[OVERRIDE_FIELDS.rollbackPlan] ?? '',
      });
      return renderProgress(progress, deps.config.discord.guilds[0]?.id);
    },
  }),
];
