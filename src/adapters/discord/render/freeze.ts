import type { APIEmbed } from 'discord.js';
import type { OpsAnnouncement } from '../../../app/ports/announcements.js';
import { formatDuration } from '../../../domain/duration.js';
import type { FreezeListing } from '../../../domain/freeze-windows.js';
import type { Freeze } from '../../../domain/model.js';
import { formatLocalTime, userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { COLORS, discordTime } from './common.js';
import { renderLockAnnouncement } from './locks.js';

/** A moment both ways: a Discord timestamp (reader's zone) and the configured timezone. */
export function bothTimes(at: Date, timeZone: string): string {
  return `${discordTime(at, 'f')} (${formatLocalTime(at, timeZone)})`;
}

const envList = (envs: readonly string[]): string => envs.map((e) => `**${e}**`).join(', ');

function freezeTitle(a: Extract<OpsAnnouncement, { kind: 'freeze-transition' }>): string {
  const name = userText(a.name, 120);
  const what = a.source === 'window' ? name : `Freeze ${a.freezeId ?? ''}: ${name}`;
  switch (a.transition) {
    case 'buffer-start':
      return `🧊 ${what} — buffer started: no deploys to ${a.envs.join(', ')}`;
    case 'start':
      return `❄️ ${what} — freeze started`;
    case 'end':
      return `☀️ ${what} — freeze ended`;
  }
}

function transitionView(
  a: Extract<OpsAnnouncement, { kind: 'freeze-transition' }>,
  timeZone: string,
): MessageView {
  const lines: string[] = [];
  if (a.transition === 'end') {
    lines.push(`Deploys to ${envList(a.envs)} are open again.`);
    if (a.offered > 0) lines.push(`${a.offered} queued request(s) offered again to their requesters.`);
  } else {
    if (a.transition === 'buffer-start') lines.push(`The freeze starts ${bothTimes(a.startsAt, timeZone)}.`);
    lines.push(
      `No deploys to ${envList(a.envs)} until ${bothTimes(a.endsAt, timeZone)} (${discordTime(a.endsAt, 'R')}).`,
    );
    lines.push(
      'Requests wait in the queue and are offered again at the end; an R5 can override one in an emergency.',
    );
    if (a.voided > 0) lines.push(`${a.voided} pending approval(s) void; those requests wait in the queue.`);
  }
  return {
    embeds: [
      {
        title: freezeTitle(a),
        description: lines.join('\n'),
        color: a.transition === 'end' ? COLORS.success : COLORS.pending,
      },
    ],
  };
}

/** Announcements in the ops channel (§7); pure, so a message can be re-rendered and tested. */
export function renderAnnouncement(a: OpsAnnouncement, timeZone: string): MessageView {
  switch (a.kind) {
    case 'freeze-transition':
      return transitionView(a, timeZone);
    case 'freeze-scheduled':
      return {
        embeds: [
          {
            title: `🗓️ Freeze ${a.freeze.id} scheduled: ${userText(a.freeze.reason, 120)}`,
            description: [
              `${envList(a.freeze.envs)} frozen from ${bothTimes(a.freeze.startsAt, timeZone)}`,
              `until ${bothTimes(a.freeze.endsAt, timeZone)} (${formatDuration(a.freeze.endsAt.getTime() - a.freeze.startsAt.getTime())}).`,
              `Scheduled by ${userText(a.freeze.createdBy.name, 100)}.`,
            ].join('\n'),
            color: COLORS.neutral,
          },
        ],
      };
    case 'freeze-lifted':
      return {
        embeds: [
          {
            title: `☀️ Freeze ${a.freeze.id} lifted: ${userText(a.freeze.reason, 120)}`,
            description: [
              `Lifted by ${userText(a.by.name, 100)}; deploys to ${envList(a.freeze.envs)} are open again.`,
              ...(a.offered > 0 ? [`${a.offered} queued request(s) offered again.`] : []),
            ].join('\n'),
            color: COLORS.success,
          },
        ],
      };
    case 'maintenance':
      return {
        embeds: [
          {
            title: a.on
              ? '🛠️ Maintenance is ON — deploys are refused'
              : '✅ Maintenance is OFF — deploys resume',
            description: [
              `${a.on ? 'Turned on' : 'Turned off'} by ${userText(a.by.name, 100)}: ${userText(a.reason, 500)}`,
              ...(a.on
                ? ['Reminders and the nightly smoke are paused; run tracking and verification go on.']
                : []),
              ...(a.voided > 0 ? [`${a.voided} pending approval(s) void.`] : []),
              ...(a.offered > 0 ? [`${a.offered} queued request(s) offered again.`] : []),
            ].join('\n'),
            color: a.on ? COLORS.failure : COLORS.success,
          },
        ],
      };
    case 'override': {
      const o = a.deploy.override;
      const fields: NonNullable<APIEmbed['fields']> = o
        ? [
            { name: 'Reason', value: userText(o.reason, 1000), inline: false },
            { name: 'Rollback plan', value: userText(o.rollbackPlan, 1000), inline: false },
          ]
        : [];
      return {
        embeds: [
          {
            title: `🚨 ${a.gate} overridden for ${a.deploy.service} → ${a.deploy.env} (${a.deploy.id})`,
            description: `Emergency override by ${userText(o?.by.name ?? '?', 100)} for this one deploy; requested by ${userText(a.deploy.requestedBy.name, 100)}.`,
            color: COLORS.failure,
            fields,
          },
        ],
      };
    }
    // locks have their own renderer.
    case 'locked':
    case 'unlocked':
      return renderLockAnnouncement(a, timeZone);
  }
}

/** `/freeze list`: active and upcoming freezes (next 7 days), as Discord timestamps and in the timezone. */
export function renderFreezeList(rows: readonly FreezeListing[], now: Date, timeZone: string): MessageView {
  if (rows.length === 0) {
    return { content: `No freezes now or in the next 7 days (times in ${timeZone}).` };
  }
  const lines = rows.slice(0, 20).map((row) => {
    const active = row.bufferStartsAt.getTime() <= now.getTime();
    const status = active ? (row.startsAt.getTime() <= now.getTime() ? '❄️ now' : '🧊 buffer') : '🗓️';
    const name =
      row.source === 'window'
        ? `**${userText(row.name, 80)}**`
        : `\`${row.freezeId ?? ''}\` ${userText(row.name, 80)}`;
    const buffer =
      row.bufferStartsAt.getTime() < row.startsAt.getTime()
        ? ` · buffer from ${discordTime(row.bufferStartsAt, 't')}`
        : '';
    return `${status} ${name} — ${row.envs.join(', ')}\n  ${bothTimes(row.startsAt, timeZone)} → ${bothTimes(row.endsAt, timeZone)}${buffer}`;
  });
  const more = rows.length > 20 ? `\n…and ${rows.length - 20} more` : '';
  return {
    embeds: [
      {
        title: 'Freezes: now and the next 7 days',
        description: lines.join('\n') + more,
        color: COLORS.neutral,
        footer: { text: `Times in ${timeZone}; one-off freezes can be lifted with /freeze lift id` },
      },
    ],
  };
}

/** The R5's own answer to `/freeze start|schedule|lift`. */
export function renderFreezeReply(
  freeze: Freeze,
  what: 'started' | 'scheduled' | 'lifted',
  timeZone: string,
): MessageView {
  const when =
    what === 'lifted'
      ? ''
      : ` from ${bothTimes(freeze.startsAt, timeZone)} until ${bothTimes(freeze.endsAt, timeZone)}`;
  return {
    content: `✅ Freeze \`${freeze.id}\` ${what} (${freeze.envs.join(', ')})${when}: ${userText(freeze.reason, 300)}`,
  };
}
