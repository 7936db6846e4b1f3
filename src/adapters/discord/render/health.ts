import type { APIEmbed } from 'discord.js';
import type { HealthReport } from '../../../app/health.js';
import { formatDuration } from '../../../domain/duration.js';
import { userText } from '../../../domain/text.js';
import type { MessageView } from '../command.js';
import { COLORS, discordTime } from './common.js';

function short(sha: string): string {
  return sha.slice(0, 7);
}

function freezeLine(report: HealthReport): string {
  if (report.freeze === 'unavailable') return 'unavailable';
  const { active, next } = report.freeze;
  const now = active
    ? `${active.inBuffer ? '🟠 buffer before' : '🧊 FROZEN:'} ${userText(active.name, 100)} until ${discordTime(active.endsAt, 'f')}`
    : 'open';
  const upcoming = next
    ? `; next: ${userText(next.name, 100)} ${discordTime(next.startsAt, 'f')} (buffer from ${discordTime(next.bufferStartsAt, 't')})`
    : '; none in the next 7 days';
  return now + upcoming;
}

/** ✅ valid, ⚠️ valid but expiring within 7 days, ❌ with what is wrong (§14). */
export function credentialsLine(credentials: HealthReport['githubCredentials']): string {
  if (credentials === 'unavailable') return '❓ could not be checked';
  if (!credentials.ok) return credentials.problems.map((p) => `❌ ${userText(p, 300)}`).join('\n');
  return credentials.warning ? `⚠️ ${userText(credentials.warning, 200)}` : '✅ valid';
}

/** The /health answer (§9): one embed, readable at a glance. */
export function renderHealth(report: HealthReport): MessageView {
  const credentials = report.githubCredentials;
  const healthy =
    report.mongoMs !== 'unreachable' &&
    report.githubRateLimit !== 'unavailable' &&
    credentials !== 'unavailable' &&
    credentials.ok &&
    credentials.warning === undefined;
  const jobs =
    report.jobs === 'unavailable'
      ? 'unavailable'
      : `${report.jobs.queued} queued · ${report.jobs.running} running · ${report.jobs.failed} failed`;
  const github =
    report.githubRateLimit === 'unavailable'
      ? 'unavailable'
      : `${report.githubRateLimit.remaining}/${report.githubRateLimit.limit} left (resets ${discordTime(report.githubRateLimit.resetAt, 'R')})`;
  const versions = report.environments.map((row) => {
    const deployed = row.deployed
      ? `${row.deployed.version} (\`${short(row.deployed.sha)}\`)`
      : 'nothing deployed yet';
    const verified = row.verified ? ` · verified ${row.verified.version}` : '';
    return `**${row.service}/${row.env}**: ${deployed}${verified}`;
  });
  const embed: APIEmbed = {
    title: healthy ? '🟢 Release Console is healthy' : '🟠 Release Console is degraded',
    color: healthy ? COLORS.success : COLORS.pending,
    fields: [
      {
        name: 'Gateway',
        value:
          report.gatewayPingMs === undefined ? 'ping not measured yet' : `${report.gatewayPingMs} ms ping`,
        inline: true,
      },
      { name: 'Leader', value: `\`${report.instanceId}\` (${report.role})`, inline: true },
      { name: 'Uptime', value: formatDuration(report.uptimeMs), inline: true },
      { name: 'Version', value: report.version, inline: true },
      {
        name: 'MongoDB',
        value: report.mongoMs === 'unreachable' ? 'unreachable' : `${report.mongoMs} ms round trip`,
        inline: true,
      },
      { name: 'Jobs', value: jobs, inline: true },
      { name: 'GitHub rate limit', value: github, inline: false },
      { name: 'GitHub credentials', value: credentialsLine(credentials), inline: false },
      {
        name: 'Maintenance',
        value: report.maintenance ? `ON — ${report.maintenance.reason} (by ${report.maintenance.by})` : 'off',
        inline: false,
      },
      { name: 'Freeze (prod)', value: freezeLine(report), inline: false },
      { name: 'Deployed versions', value: versions.join('\n') || '—', inline: false },
    ],
  };
  return { embeds: [embed] };
}
