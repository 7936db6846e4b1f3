import type { Progress } from '../../../domain/progress.js';
import { userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { discordTime, errorView } from './common.js';

function cardLink(progress: Progress, guildId?: string): string {
  const { channelId, messageId } = progress.deploy;
  return channelId && messageId && guildId
    ? ` — https://discord.com/channels/${guildId}/${channelId}/${messageId}`
    : '';
}

/** The requester's (ephemeral) answer to /deploy, /approve and the buttons that move a deploy. */
export function renderProgress(progress: Progress, guildId?: string): MessageView {
  const d = progress.deploy;
  const what = `${d.service} → ${d.env} (\`${d.sha.slice(0, 7)}\`, ${d.id})`;
  switch (progress.kind) {
    case 'refused':
      return errorView(`Deploy refused — **${progress.code}**: ${userText(progress.reason, 400)}`);
    case 'queued':
      return {
        content: `⏳ Queued ${what} — **${progress.code}**: ${userText(progress.reason, 400)}. You will be offered to deploy when the way is clear.`,
      };
    case 'awaiting_approval':
      return {
        content: `🕐 Approval requested for ${what}. An R5 other than you must approve it.${cardLink(progress, guildId)}`,
      };
    case 'dispatching':
      return {
        content: `📤 Dispatching ${what}: GitHub did not answer yet; it is retried and the card follows.`,
      };
    case 'dispatched':
      return {
        content: `📤 Dispatched ${what} as ${d.version ?? '?'}${d.runUrl ? ` — [run](${d.runUrl})` : ''}.`,
      };
    case 'failed':
      return errorView(`Deploy ${d.id} failed: ${userText(progress.reason, 400)}`);
    case 'approval-counted': {
      const more = progress.required - progress.approvals;
      return {
        content: `👍 Approval counted for ${what}: ${progress.approvals}/${progress.required} — it needs ${more} more R5${more === 1 ? '' : 's'} (not the requester).${cardLink(progress, guildId)}`,
      };
    }
    case 'lost-race':
      return errorView(`Deploy ${d.id} was changed by someone else at the same moment; see its card.`);
    case 'scheduled':
      return {
        content: `🗓️ Scheduled ${what} for ${d.scheduledFor ? discordTime(d.scheduledFor, 'F') : '?'}${
          d.preApproval ? `, approved in advance by ${userText(d.preApproval.by.name, 100)}` : ''
        }. Gates${d.preApproval ? '' : ' and approval'} are checked when it fires; \`/schedule cancel id:${d.id}\` withdraws it.${cardLink(progress, guildId)}`,
      };
  }
}
