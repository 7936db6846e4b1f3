import type { OpsAnnouncement } from '../../../app/ports/announcements.js';
import { ALL_TARGETS, type Lock } from '../../../domain/model.js';
import { formatLocalTime, userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { COLORS, discordTime } from './common.js';

/** "api → **prod**", or "every environment" for the global lock. */
export function lockTarget(lock: Lock): string {
  return lock.service === ALL_TARGETS ? 'every environment' : `${lock.service} → **${lock.env}**`;
}

/** Until when a lock holds, both ways, or that it holds until someone unlocks it. */
export function lockUntil(lock: Lock, timeZone: string): string {
  return lock.expiresAt
    ? `until ${discordTime(lock.expiresAt, 'f')} (${formatLocalTime(lock.expiresAt, timeZone)}, ${discordTime(lock.expiresAt, 'R')})`
    : 'until someone unlocks it';
}

/** Lock and unlock in the ops channel (§16): who, why, until when, and what it freed. */
export function renderLockAnnouncement(
  a: Extract<OpsAnnouncement, { kind: 'locked' | 'unlocked' }>,
  timeZone: string,
): MessageView {
  const lock = a.lock;
  const owner = userText(lock.createdBy.name, 100);
  if (a.kind === 'locked') {
    return {
      embeds: [
        {
          title: `🔒 Locked: ${lockTarget(lock).replaceAll('**', '')}`,
          description: [
            `By ${owner}, ${lockUntil(lock, timeZone)}.`,
            `Reason: ${userText(lock.reason, 500)}`,
            'Requests wait in the queue and are offered in order once it is unlocked.',
          ].join('\n'),
          color: COLORS.pending,
        },
      ],
    };
  }
  const how = a.by ? `Unlocked by ${userText(a.by.name, 100)}` : 'The lock expired';
  return {
    embeds: [
      {
        title: `🔓 Unlocked: ${lockTarget(lock).replaceAll('**', '')}`,
        description: [
          `${how}; it was locked by ${owner} for: ${userText(lock.reason, 300)}`,
          ...(a.offered > 0 ? [`${a.offered} queued request(s) offered to their requesters.`] : []),
        ].join('\n'),
        color: COLORS.success,
      },
    ],
  };
}
