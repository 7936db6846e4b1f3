import type { SmokeReport } from '../../../app/smoke.js';
import { userText } from '../../../domain/text.js';

/** The one summary the nightly smoke posts to the ops channel (§8). */
export function renderSmokeSummary(report: SmokeReport): string {
  const lines = report.results.map((r) => {
    const run = r.runUrl ? ` — [run](${r.runUrl})` : '';
    switch (r.outcome) {
      case 'green':
        return `🟢 **${r.service}**: green${run}`;
      case 'red':
        return `🔴 **${r.service}**: red (${userText(r.detail, 200)})${run} — prod soft-frozen until the next green run`;
      case 'skipped':
        return `⚪ **${r.service}**: skipped (${userText(r.detail, 200)})`;
    }
  });
  const red = report.results.some((r) => r.outcome === 'red');
  return [`${red ? '🔴' : '🟢'} **Nightly smoke on ${report.env}**`, ...lines].join('\n');
}
