import { ButtonStyle, ComponentType } from 'discord.js';
import type { Deploy } from '../../../domain/model.js';
import { shortSha, userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { button, DEPLOY_BUTTONS } from './deploy-card.js';

/** The re-ping for an emergency rollback nobody has acknowledged yet: one R5 role mention and the button. */
export function renderAcknowledgementRequest(deploy: Deploy, r5RoleId: string): MessageView {
  return {
    content:
      `<@&${r5RoleId}> emergency rollback ${deploy.id} of ${deploy.service} → ${deploy.env} ` +
      `(\`${shortSha(deploy.sha)}\`, by ${userText(deploy.requestedBy.name, 100)}) ran without approval: ` +
      'an R5 other than its requester must acknowledge it.',
    components: [
      {
        type: ComponentType.ActionRow,
        components: [button('Acknowledge', DEPLOY_BUTTONS.acknowledge, deploy.id, ButtonStyle.Primary)],
      },
    ],
  };
}
