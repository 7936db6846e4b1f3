import type { APIEmbed } from 'discord.js';
import { formatDuration } from '../../../domain/duration.js';
import type { AuditEntry, Deploy } from '../../../domain/model.js';
import { shortSha, userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { COLORS, discordTime } from './common.js';

const STATE_ICON: Record<string, string> = {
  succeeded: '🟢',
  failed: '🔴',
  running: '🏃',
  dispatched: '📤',
  approved: '✅',
  awaiting_approval: '🕐',
  queued: '⏳',
  requested: '📝',
  cancelled: '⚪',
  rejected: '⛔',
  expired: '⌛',
  superseded: '↪️',
};

function historyLine(deploy: Deploy): string {
  const icon = STATE_ICON[deploy.state] ?? '•';
  const verification = deploy.verification ? ` · ${deploy.verification}` : '';
  const duration =
    deploy.dispatchedAt && deploy.finishedAt
      ? ` · ${formatDuration(deploy.finishedAt.getTime() - deploy.dispatchedAt.getTime())}`
      : '';
  const rollback = deploy.previousVersion ? ` · rollback → ${deploy.previousVersion}` : '';
  const kind = deploy.kind === 'rollback' ? '⏪ ' : '';
  return `${icon} ${kind}**${deploy.version ?? '—'}** \`${shortSha(deploy.sha)}\` ${deploy.env} · ${deploy.state.replace('_', ' ')}${verification} · ${userText(deploy.requestedBy.name, 40)} ${discordTime(deploy.createdAt, 'R')}${duration}${rollback} · ${deploy.id}`;
}

/** /history service [env] (§10): newest first, with the rollback target of each deploy. */
export function renderHistory(
  service: string,
  env: string | undefined,
  deploys: readonly Deploy[],
): MessageView {
  const embed: APIEmbed = {
    title: `📜 Deploy history — ${service}${env ? ` → ${env}` : ''}`,
    color: COLORS.neutral,
    description: deploys.length ? deploys.map(historyLine).join('\n') : 'No deploys yet.',
  };
  return { embeds: [embed] };
}

function auditLine(entry: AuditEntry): string {
  const where = entry.service ? ` ${entry.service}${entry.env ? `/${entry.env}` : ''}` : '';
  const reason = entry.reason ? ` — ${userText(entry.reason, 80)}` : '';
  return `${discordTime(entry.at, 'f')} **${entry.action}**${where} by ${userText(entry.actor.name, 40)}${entry.deployId ? ` (${entry.deployId})` : ''}${reason}`;
}

const CSV_COLUMNS = [
  'at',
  'actor',
  'actorId',
  'action',
  'service',
  'env',
  'sha',
  'version',
  'deployId',
  'outcome',
  'reason',
] as const;

function csvCell(value: string): string {
  // Formula injection: a cell starting with = + - @ is shown as text by spreadsheet programs.
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) =>
    [
      e.at.toISOString(),
      e.actor.name,
      e.actor.id,
      e.action,
      e.service ?? '',
      e.env ?? '',
      e.sha ?? '',
      e.version ?? '',
      e.deployId ?? '',
      e.outcome ?? '',
      e.reason ?? '',
    ]
      .map(csvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** /audit [filters] (§10): the newest entries, and the whole selection as a CSV or JSON attachment. */
export function renderAudit(
  entries: readonly AuditEntry[],
  format: 'csv' | 'json' | undefined,
  filters: string,
): MessageView {
  const shown = entries.slice(0, 15);
  const embed: APIEmbed = {
    title: `🧾 Audit${filters ? ` — ${filters}` : ''}`,
    color: COLORS.neutral,
    description: shown.length ? shown.map(auditLine).join('\n') : 'No entries match.',
    footer: {
      text: `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${format ? `; all attached as ${format.toUpperCase()}` : ''}`,
    },
  };
  const view: MessageView = { embeds: [embed] };
  if (format === 'csv') view.files = [{ name: 'audit.csv', data: auditCsv(entries) }];
  if (format === 'json') view.files = [{ name: 'audit.json', data: JSON.stringify(entries, null, 2) }];
  return view;
}
