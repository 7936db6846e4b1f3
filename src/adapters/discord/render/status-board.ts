import type { APIEmbed } from 'discord.js';
import type { StatusBoardView } from '../../../app/ports/status-board.js';
import type { BoardRow } from '../../../domain/status-board.js';
import { userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { COLORS, discordTime } from './common.js';

/** The pinned status board (§17): one line per service × env, re-rendered whole on every edit. */

const VERIFICATION: Record<BoardRow['verification'], string> = {
  verified: '✅ verified',
  pending: '⏳ verifying',
  faulty: '🟥 faulty',
  none: '▫️ not verified',
};

function rowLine(row: BoardRow): string {
  const head = `**${row.env}**`;
  if (!row.version && !row.shortSha) {
    const rest = [...(row.inFlight ? [`🚚 ${row.inFlight}`] : []), ...holdsOf(row), ...queueOf(row)];
    return [`${head} — nothing deployed yet`, ...rest].join(' · ');
  }
  return [
    `${head} — ${row.version ?? '—'} \`${row.shortSha ?? '—'}\``,
    VERIFICATION[row.verification],
    ...(row.rolledBack ? ['⏪ rollback'] : []),
    ...(row.lastDeployAt ? [`deployed ${discordTime(row.lastDeployAt, 'R')}`] : []),
    ...(row.inFlight ? [`🚚 ${row.inFlight}`] : []),
    ...holdsOf(row),
    ...queueOf(row),
  ].join(' · ');
}

// Lock reasons and freeze names are people's text: escaped and clamped like any user text.
const holdsOf = (row: BoardRow): string[] => row.holds.map((hold) => `🔒 ${userText(hold, 120)}`);
const queueOf = (row: BoardRow): string[] => (row.queued > 0 ? [`⏱️ ${row.queued} queued`] : []);

export function renderStatusBoard(board: StatusBoardView): MessageView {
  const services = [...new Set(board.rows.map((row) => row.service))];
  const fields = services.slice(0, 25).map((service) => ({
    name: service,
    value: board.rows
      .filter((row) => row.service === service)
      .map(rowLine)
      .join('\n'),
  }));
  const bad = board.rows.some((row) => row.health === 'faulty');
  const held = board.maintenance || board.rows.some((row) => row.health === 'blocked');
  const embed: APIEmbed = {
    title: '📋 Release Console status',
    color: bad ? COLORS.failure : held ? COLORS.pending : COLORS.success,
    ...(board.maintenance
      ? {
          description: `🛠️ Maintenance is on (${userText(board.maintenance.by, 100)}): ${userText(board.maintenance.reason, 300)}`,
        }
      : {}),
    fields,
    footer: { text: 'Updated by Release Console' },
    timestamp: board.at.toISOString(),
  };
  return { embeds: [embed] };
}
