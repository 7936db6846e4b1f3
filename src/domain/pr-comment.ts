/**
 * The one comment the bot keeps on each pull request it ships (§17): a line per env, rewritten when the pull
 * request reaches another env, ships there again, or is rolled back. The comment carries a hidden marker (to
 * find it again) and its own state (to edit it without losing the other envs). Pure.
 */

export const PR_COMMENT_MARKER = '<!-- release-console -->';
const STATE_PREFIX = '<!-- release-console:state ';
const STATE_SUFFIX = ' -->';

export interface PrEnvEntry {
  readonly env: string;
  readonly action: 'deployed' | 'rolledBack';
  readonly version?: string;
  readonly deployId: string;
  readonly runUrl?: string;
  /** ISO time of the success. */
  readonly at: string;
}

export interface PrCommentState {
  /** In the order envs were first reached. */
  readonly envs: readonly PrEnvEntry[];
}

export function isBotComment(body: string): boolean {
  return body.includes(PR_COMMENT_MARKER);
}

const entrySchemaOk = (value: unknown): value is PrEnvEntry => {
  if (!value || typeof value !== 'object') return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.env === 'string' &&
    (e.action === 'deployed' || e.action === 'rolledBack') &&
    typeof e.deployId === 'string' &&
    typeof e.at === 'string' &&
    (e.version === undefined || typeof e.version === 'string') &&
    (e.runUrl === undefined || typeof e.runUrl === 'string')
  );
};

/** The state a comment carries; an unreadable one (edited by hand) starts afresh. */
export function parseCommentState(body: string): PrCommentState {
  const start = body.indexOf(STATE_PREFIX);
  if (start < 0) return { envs: [] };
  const end = body.indexOf(STATE_SUFFIX, start + STATE_PREFIX.length);
  if (end < 0) return { envs: [] };
  try {
    const json = Buffer.from(body.slice(start + STATE_PREFIX.length, end), 'base64url').toString('utf8');
    const parsed = JSON.parse(json) as { envs?: unknown };
    return { envs: Array.isArray(parsed.envs) ? parsed.envs.filter(entrySchemaOk) : [] };
  } catch {
    return { envs: [] };
  }
}

/** The state with `entry` in place of the env's previous line (or added after the others). */
export function withEntry(state: PrCommentState, entry: PrEnvEntry): PrCommentState {
  const index = state.envs.findIndex((e) => e.env === entry.env);
  if (index < 0) return { envs: [...state.envs, entry] };
  return { envs: state.envs.map((e, i) => (i === index ? entry : e)) };
}

/** Only what GitHub may link; anything else is left out rather than put in a Markdown link. */
const safeUrl = (url: string | undefined): string | undefined =>
  url && /^https?:\/\/[^\s()<>]+$/.test(url) ? url : undefined;
const safeWord = (text: string): string => text.replace(/[^\w.-]/g, '');

function line(entry: PrEnvEntry): string {
  const env = safeWord(entry.env);
  const version = entry.version ? safeWord(entry.version) : undefined;
  const run = safeUrl(entry.runUrl);
  const where = `deploy ${safeWord(entry.deployId)}${run ? `, [run](${run})` : ''}`;
  if (entry.action === 'rolledBack') {
    return `- ⏪ Rolled back from **${env}**${version ? ` to ${version}` : ''} (${where})`;
  }
  return `- 🚀 Deployed to **${env}**${version ? ` in ${version}` : ''} (${where})`;
}

/** The whole comment body. */
export function renderPrComment(state: PrCommentState, service: string): string {
  const json = Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
  return [
    PR_COMMENT_MARKER,
    `**Release Console** · ${safeWord(service)}`,
    '',
    ...state.envs.map(line),
    '',
    `${STATE_PREFIX}${json}${STATE_SUFFIX}`,
  ].join('\n');
}
