/**
 * The read-only web status page (§17): `GET /status` (HTML) and `GET /status/chart.png`. Server-rendered,
 * no script at all; every value from the database or the configuration is escaped; the Content Security
 * Policy allows only the page's own stylesheet (by hash) and the inline chart.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BoardSnapshot } from '../../domain/status-board.js';
import type { RecentDeploy, StatusPageData } from '../../app/status/page.js';
import { shortSha } from '../../domain/text.js';
import { doraSummary } from '../charts/dora-text.js';

const STYLE = `
:root { color-scheme: light; font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; color: #1d232a; }
body { margin: 0 auto; max-width: 1100px; padding: 1.5rem; background: #f6f7f9; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
.meta { color: #59636e; margin: 0; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d9dde3; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e6e9ed; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
code { font-size: .9em; }
.ok { color: #1a7f37; } .bad { color: #cf222e; font-weight: 600; } .wait { color: #9a6700; }
.banner { background: #fff1e5; border: 1px solid #d18616; padding: .6rem .8rem; margin: 1rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: #fff;
  border: 1px solid #d9dde3; padding: .75rem 1rem; margin: 0 0 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
figure { margin: 0; background: #fff; border: 1px solid #d9dde3; padding: .75rem; overflow-x: auto; }
a { color: #0969da; }
`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** No script, no frames, no forms; only this page's stylesheet and images it serves itself. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};
/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
}

/** Only http(s) links reach an href: a stored URL is data, never a `javascript:` door. */
function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function link(url: string | undefined, text: string): string {
  const href = safeHref(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>` : '';
}

function timeIn(timeZone: string): (at: Date) => string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return (at) => format.format(at).replace(',', '');
}

/** The run's repository page, from the run's own web link: where GitHub lists the env's deployments. */
function deploymentsUrl(deploy: RecentDeploy): string | undefined {
  if (!deploy.githubDeploymentId || !deploy.runUrl) return undefined;
  const base = /^(https?:\/\/[^?#]+?)\/actions\/runs\//.exec(deploy.runUrl)?.[1];
  return base ? `${base}/deployments/${encodeURIComponent(deploy.env)}` : undefined;
}

const VERIFICATION_CLASS: Record<string, string> = { verified: 'ok', faulty: 'bad', pending: 'wait' };

function boardRows(board: BoardSnapshot, time: (at: Date) => string): string {
  return board.envs
    .map((cell) => {
      const live = cell.live;
      const verification = live?.verification ?? (live ? 'unknown' : '');
      const locks = cell.locks.map(
        (l) => `🔒 ${l.global ? 'all' : escapeHtml(l.kind)}: ${escapeHtml(l.reason)} (${escapeHtml(l.by)})`,
      );
      const frozen = cell.freeze
        ? [`❄️ ${escapeHtml(cell.freeze.name)} until ${escapeHtml(time(cell.freeze.endsAt))}`]
        : [];
      const last = cell.lastDeploy;
      return `<tr>
<td>${escapeHtml(cell.service)}</td><td>${escapeHtml(cell.env)}</td>
<td>${live ? escapeHtml(live.version ?? '—') : '—'}</td>
<td>${live ? `<code>${escapeHtml(shortSha(live.sha))}</code>` : '—'}</td>
<td class="${VERIFICATION_CLASS[verification] ?? ''}">${escapeHtml(verification || '—')}</td>
<td>${[...locks, ...frozen].join('<br>') || '—'}</td>
<td>${cell.queued}${cell.inFlight ? ` (${escapeHtml(cell.inFlight.state)} ${escapeHtml(cell.inFlight.deployId)})` : ''}</td>
<td>${last ? `${escapeHtml(last.version ?? last.deployId)} ${escapeHtml(last.state)} · ${escapeHtml(time(last.at))} · ${escapeHtml(last.by)}` : '—'}</td>
</tr>`;
    })
    .join('\n');
}

function recentRows(recent: readonly RecentDeploy[], time: (at: Date) => string): string {
  return recent
    .map((d) => {
      const links = [link(d.runUrl, 'run'), link(deploymentsUrl(d), 'deployment')].filter(Boolean);
      return `<tr>
<td>${escapeHtml(time(d.finishedAt ?? d.createdAt))}</td>
<td>${escapeHtml(d.service)} → ${escapeHtml(d.env)}${d.kind === 'rollback' ? ' (rollback)' : ''}</td>
<td>${escapeHtml(d.version ?? '—')} <code>${escapeHtml(shortSha(d.sha))}</code></td>
<td>${escapeHtml(d.state)}${d.verification ? ` · <span class="${VERIFICATION_CLASS[d.verification] ?? ''}">${escapeHtml(d.verification)}</span>` : ''}</td>
<td>${escapeHtml(d.requestedBy)}</td><td>${escapeHtml(d.reason || '—')}</td>
<td>${links.join(' · ') || '—'} <span class="meta">${escapeHtml(d.id)}</span></td>
</tr>`;
    })
    .join('\n');
}

export function renderStatusPage(
  data: StatusPageData,
  options: { timeZone: string; chartSvg?: string },
): string {
  const time = timeIn(options.timeZone);
  const { board, stats } = data;
  const freezes = data.freezes.rows
    .map(
      (f) =>
        `<tr><td>${escapeHtml(f.name)}</td><td>${escapeHtml(f.envs.join(', '))}</td><td>${escapeHtml(time(f.startsAt))}</td><td>${escapeHtml(time(f.endsAt))}</td><td>${f.source === 'window' ? 'recurring window' : 'one-off'}</td></tr>`,
    )
    .join('\n');
  const figures = doraSummary(stats.figures)
    .map((s) => `<dt>${escapeHtml(s.label)}</dt><dd>${escapeHtml(s.value)}</dd>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Release Console — status</title>
<style>${STYLE}</style></head>
<body>
<h1>Release Console — status</h1>
<p class="meta">As of ${escapeHtml(time(board.at))} (${escapeHtml(options.timeZone)})</p>
${board.maintenance ? `<p class="banner">🛠️ Maintenance: ${escapeHtml(board.maintenance.reason)} (by ${escapeHtml(board.maintenance.by)}). Deploys are refused.</p>` : ''}
<h2>Board</h2>
<table><thead><tr><th>Service</th><th>Env</th><th>Version</th><th>SHA</th><th>Verification</th><th>Lock / freeze</th><th>Queued</th><th>Last deploy</th></tr></thead>
<tbody>
${boardRows(board, time)}
</tbody></table>
<h2>Recent deploys</h2>
${data.recent.length ? `<table><thead><tr><th>When</th><th>Where</th><th>Version</th><th>State</th><th>Who</th><th>Reason</th><th>Links</th></tr></thead><tbody>\n${recentRows(data.recent, time)}\n</tbody></table>` : '<p>No deploys yet.</p>'}
<h2>Freezes in the next 7 days</h2>
${freezes ? `<table><thead><tr><th>Name</th><th>Envs</th><th>Starts</th><th>Ends</th><th>Kind</th></tr></thead><tbody>\n${freezes}\n</tbody></table>` : '<p>None.</p>'}
<h2>Delivery (DORA), ${escapeHtml(stats.env)}, last ${stats.figures.days} days</h2>
<dl>${figures}</dl>
${options.chartSvg ? `<figure aria-label="Chart of prod deploys per day and median lead time per day">${options.chartSvg}</figure>` : '<p>The chart could not be drawn; the figures above are complete.</p>'}
</body></html>
`;
}

/** True when `header` is `Bearer <token>`; compared in constant time. */
export function bearerMatches(headers: IncomingHttpHeaders, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(headers.authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
