import { ButtonStyle, ComponentType } from 'discord.js';
import type { Deploy } from '../../../domain/model.js';
import { shortSha, userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { button, DEPLOY_BUTTONS } from './deploy-card.js';
import { mentions } from './mentions.js';

/** The re-ping for an emergency rollback nobody has acknowledged yet: the approver roles and the button. */
export function renderAcknowledgementRequest(
  deploy: Deploy,
  approverRoleIds: readonly string[],
): MessageView {
  return {
    content:
      `${mentions(approverRoleIds)} emergency rollback ${deploy.id} of ${deploy.service} → ${deploy.env} ` +
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
