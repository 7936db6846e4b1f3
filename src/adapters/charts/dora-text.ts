import type { DoraFigures } from '../../domain/dora.js';
import { formatDuration } from '../../domain/duration.js';

/** The four figures as label and value, in words: the text beside every chart (screen readers, Discord, web). */
export function doraSummary(figures: DoraFigures): { label: string; value: string }[] {
  const { prodDeploys, deploysPerDay, leadTime, changeFailure, timeToRestore } = figures;
  const perDay = deploysPerDay >= 1 ? deploysPerDay.toFixed(1) : deploysPerDay.toFixed(2);
  return [
    {
      label: 'Deployment frequency',
      value: `${prodDeploys} prod deploy${prodDeploys === 1 ? '' : 's'} in ${figures.days} days (${perDay} per day)`,
    },
    {
      label: 'Lead time for changes',
      value:
        leadTime.medianMs === undefined
          ? 'no commit times yet'
          : `median ${formatDuration(leadTime.medianMs)} over ${leadTime.samples} deploy${leadTime.samples === 1 ? '' : 's'}`,
    },
    {
      label: 'Change failure rate',
      value:
        changeFailure.rate === undefined
          ? 'no prod deploys'
          : `${Math.round(changeFailure.rate * 100)}% (${changeFailure.failed} of ${changeFailure.of} faulty or rolled back)`,
    },
    {
      label: 'Time to restore',
      value:
        timeToRestore.medianMs === undefined
          ? timeToRestore.open > 0
            ? `${timeToRestore.open} not restored yet`
            : 'no failures'
          : `median ${formatDuration(timeToRestore.medianMs)} (${timeToRestore.restored} restored${timeToRestore.open ? `, ${timeToRestore.open} open` : ''})`,
    },
  ];
}

/** Alt text of the chart: what it shows, then the figures (Discord allows 1 024 characters). */
export function doraChartAltText(figures: DoraFigures): string {
  const busiest = figures.daily.reduce((best, d) => (d.deploys > best.deploys ? d : best), {
    day: '',
    deploys: 0,
  });
  const lines = [
    `Chart: prod deploys per day and median lead time per day over ${figures.days} days.`,
    ...(busiest.deploys > 0 ? [`Busiest day ${busiest.day} with ${busiest.deploys} deploys.`] : []),
    ...doraSummary(figures).map((s) => `${s.label}: ${s.value}.`),
  ];
  return lines.join(' ').slice(0, 1024);
}
