import type { StatusBoard, StatusRow } from '../../../app/status.js';
import { isOpen } from '../../../app/status.js';
import { ALL_TARGETS } from '../../../domain/model.js';
import { formatLocalTime, userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { COLORS, discordTime } from './common.js';
import { lockTarget } from './locks.js';

/** Discord's limit on an embed description; the board stops short of it and says how many it left out. */
const DESCRIPTION_MAX = 4096;

function rowLine(row: StatusRow, timeZone: string): string {
  const parts: string[] = [];
  if (row.lock) {
    const by = row.lock.kind === 'faulty' ? 'faulty deploy' : userText(row.lock.createdBy.name, 60);
    const until = row.lock.expiresAt ? ` until ${formatLocalTime(row.lock.expiresAt, timeZone)}` : '';
    const what = row.lock.service === ALL_TARGETS ? ' (every env)' : '';
    parts.push(`🔒 ${by}${what}${until}: ${userText(row.lock.reason, 80)}`);
  }
  if (row.freeze.frozen) {
    const what = row.freeze.inBuffer ? 'buffer before' : 'frozen:';
    parts.push(`❄️ ${what} ${userText(row.freeze.name, 60)} until ${discordTime(row.freeze.endsAt, 't')}`);
  }
  if (row.running) {
    const r = row.running;
    parts.push(`🚀 ${r.id} ${r.state}${r.version ? ` ${r.version}` : ''}`);
  }
  if (row.inLine > 0) parts.push(`⏳ ${row.inLine} in line`);
  const icon = isOpen(row) ? '✅' : row.lock || row.freeze.frozen ? '⛔' : '⏳';
  return `${icon} ${row.service} → **${row.env}**${parts.length ? ` · ${parts.join(' · ')}` : ' · open'}`;
}

/** `/status`: every service × env, ✅ where a deploy goes now, with what holds the others. */
export function renderStatus(board: StatusBoard, timeZone: string): MessageView {
  const head: string[] = [];
  if (board.maintenance) {
    head.push(`🛠️ Maintenance is on: ${userText(board.maintenance.reason, 200)} — deploys are refused.`);
  }
  const global = board.rows.find((r) => r.lock?.service === ALL_TARGETS)?.lock;
  if (global) head.push(`🔒 ${lockTarget(global)} locked by ${userText(global.createdBy.name, 60)}.`);
  const lines = [...head];
  let used = lines.join('\n').length;
  let shown = 0;
  for (const row of board.rows) {
    const line = rowLine(row, timeZone);
    // Leave room for the note on what did not fit.
    if (used + line.length + 1 > DESCRIPTION_MAX - 60) break;
    lines.push(line);
    used += line.length + 1;
    shown += 1;
  }
  if (shown < board.rows.length) lines.push(`… and ${board.rows.length - shown} more (see /health).`);
  return {
    embeds: [
      {
        title: 'Where can I deploy?',
        description: lines.join('\n'),
        color: board.maintenance || global ? COLORS.pending : COLORS.neutral,
        footer: {
          text: `As of ${formatLocalTime(board.at, timeZone)} · ✅ open · ⏳ waits · ⛔ locked or frozen`,
        },
      },
    ],
  };
}
