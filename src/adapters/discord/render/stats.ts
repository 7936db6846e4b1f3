import type { APIEmbed } from 'discord.js';
import type { DeployStats } from '../../../app/stats.js';
import { doraChartAltText, doraSummary } from '../../charts/dora-text.js';
import type { MessageView } from '../command.js';
import { COLORS, discordTime } from './common.js';

export const STATS_CHART_NAME = 'dora.png';

/** /stats (§17): the figures as text (read aloud by screen readers) and the chart as an attachment. */
export function renderStats(stats: DeployStats, chart: Buffer | undefined): MessageView {
  const embed: APIEmbed = {
    title: `📊 Delivery stats — ${stats.service ?? 'all services'} → ${stats.env}`,
    color: COLORS.neutral,
    description: [
      `${discordTime(stats.from, 'd')} – ${discordTime(stats.to, 'd')}`,
      ...doraSummary(stats.figures).map((s) => `**${s.label}:** ${s.value}`),
      ...(chart ? [] : ['_The chart could not be drawn this time; the figures above are complete._']),
    ].join('\n'),
    ...(chart ? { image: { url: `attachment://${STATS_CHART_NAME}` } } : {}),
  };
  return {
    embeds: [embed],
    ...(chart
      ? { files: [{ name: STATS_CHART_NAME, data: chart, description: doraChartAltText(stats.figures) }] }
      : {}),
  };
}
