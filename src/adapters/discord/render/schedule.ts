import type { Deploy } from '../../../domain/model.js';
import { shortSha, userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { discordTime } from './common.js';

const SHOWN = 20;

/** `/schedule list` (§15): each scheduled deploy with its time, target, SHA, requester and advance approval. */
export function renderScheduleList(deploys: readonly Deploy[], service?: string): MessageView {
  const scope = service ? ` of ${service}` : '';
  if (deploys.length === 0) return { content: `🗓️ No scheduled deploys${scope}.` };
  const lines = deploys.slice(0, SHOWN).map((d) => {
    const when = d.scheduledFor ? discordTime(d.scheduledFor, 'F') : '?';
    const approved = d.preApproval ? `, approved in advance by ${userText(d.preApproval.by.name, 60)}` : '';
    return `• \`${d.id}\` ${when} — ${d.service} → **${d.env}** \`${shortSha(d.sha)}\` (${userText(d.ref, 60)}) by ${userText(d.requestedBy.name, 60)}${approved}`;
  });
  const more = deploys.length > SHOWN ? `\n…and ${deploys.length - SHOWN} more` : '';
  return { content: `🗓️ Scheduled deploys${scope} (${deploys.length}):\n${lines.join('\n')}${more}` };
}
