/**
 * The notes of a GitHub Release (§17): the commits and pull requests shipped since the previous prod version,
 * grouped by conventional-commit type, with their authors. Pure: the app gathers the commits and pull
 * requests, this builds the Markdown body, escaped and clamped to what GitHub accepts.
 */

/** GitHub refuses a release body over 125 000 characters (422 "body is too long"). */
export const RELEASE_BODY_LIMIT = 125_000;

export interface ReleaseCommit {
  readonly sha: string;
  /** The first line of the commit message. */
  readonly title: string;
  readonly author: string;
}

export interface ReleasePull {
  readonly number: number;
  readonly title: string;
  readonly author: string;
}

export interface ReleaseNotesInput {
  readonly service: string;
  readonly version: string;
  readonly previousVersion?: string;
  readonly commits: readonly ReleaseCommit[];
  /** The pull requests that brought each commit (by commit SHA); a commit without one stands alone. */
  readonly pullsBySha?: ReadonlyMap<string, readonly ReleasePull[]>;
  /** Link to the whole comparison, shown at the end (and when the notes had to be cut). */
  readonly compareUrl?: string;
}

export type ChangeGroup = 'Features' | 'Fixes' | 'Other';
export const CHANGE_GROUPS: readonly ChangeGroup[] = ['Features', 'Fixes', 'Other'];

/** One line of the notes: a pull request, or a commit that came without one. */
export interface ChangeEntry {
  readonly group: ChangeGroup;
  readonly scope?: string;
  readonly breaking: boolean;
  readonly description: string;
  readonly authors: readonly string[];
  readonly pull?: number;
  readonly sha?: string;
}

const CONVENTIONAL = /^(\w+)(?:\(([^)]*)\))?(!)?:\s*(.+)$/;

/** "feat(api)!: add x" → Features, scope api, breaking; anything not conventional is Other. */
export function classify(title: string): Pick<ChangeEntry, 'group' | 'scope' | 'breaking' | 'description'> {
  const match = CONVENTIONAL.exec(title.trim());
  if (!match) return { group: 'Other', breaking: false, description: title.trim() };
  const [, type = '', scope, bang, description = ''] = match;
  const lower = type.toLowerCase();
  const group: ChangeGroup = lower === 'feat' ? 'Features' : lower === 'fix' ? 'Fixes' : 'Other';
  return {
    group,
    ...(scope ? { scope } : {}),
    breaking: bang === '!',
    description: group === 'Other' ? title.trim() : description.trim(),
  };
}

/**
 * Escapes GitHub Markdown in text from commits so it shows literally: emphasis, code, links, HTML, headings,
 * lists, quotes and tables; `@name` and `#123` in a message would notify people or link issues, so they are
 * broken with a zero-width space.
 */
export function escapeGitHubMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]<>()#+\-.!|~]/g, '\\$&')
    .replace(/@(?=\w)/g, '@\u200b');
}

/** The entries of the notes: one per pull request (its title), and one per commit that had none. */
export function changeEntries(input: ReleaseNotesInput): ChangeEntry[] {
  const seen = new Set<number>();
  const entries: ChangeEntry[] = [];
  for (const commit of input.commits) {
    const pulls = input.pullsBySha?.get(commit.sha) ?? [];
    if (pulls.length === 0) {
      entries.push({ ...classify(commit.title), authors: [commit.author], sha: commit.sha });
      continue;
    }
    for (const pull of pulls) {
      if (seen.has(pull.number)) continue;
      seen.add(pull.number);
      const authors = [...new Set([pull.author, commit.author])];
      entries.push({ ...classify(pull.title), authors, pull: pull.number });
    }
  }
  return entries;
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/** A GitHub login is named with @ (GitHub links it); a git author name is shown as escaped text. */
function authorOf(author: string): string {
  return LOGIN.test(author) ? `@${author}` : escapeGitHubMarkdown(author);
}

function entryLine(entry: ChangeEntry): string {
  const scope = entry.scope ? `**${escapeGitHubMarkdown(entry.scope)}:** ` : '';
  const breaking = entry.breaking ? '⚠️ ' : '';
  // The pull request number and the SHA are ours, not the author's text: GitHub links them.
  const ref = entry.pull !== undefined ? ` (#${entry.pull})` : entry.sha ? ` (${entry.sha.slice(0, 7)})` : '';
  const authors = entry.authors.map(authorOf).join(', ');
  return `- ${breaking}${scope}${escapeGitHubMarkdown(entry.description)}${ref} by ${authors}`;
}

/** The release body in Markdown, never longer than RELEASE_BODY_LIMIT. */
export function buildReleaseNotes(input: ReleaseNotesInput): string {
  const entries = changeEntries(input);
  const head = [
    `## ${escapeGitHubMarkdown(input.service)} ${input.version}`,
    '',
    input.previousVersion
      ? `Changes since ${input.previousVersion}.`
      : 'The first release of this service by Release Console.',
  ];
  const tail = input.compareUrl ? ['', `**Full changelog:** ${input.compareUrl}`] : [];
  if (entries.length === 0) return [...head, '', 'No new commits.', ...tail].join('\n');

  const lines: string[] = [];
  for (const group of CHANGE_GROUPS) {
    const inGroup = entries.filter((e) => e.group === group);
    if (inGroup.length === 0) continue;
    lines.push('', `### ${group}`, '', ...inGroup.map(entryLine));
  }
  const whole = [...head, ...lines, ...tail].join('\n');
  if (whole.length <= RELEASE_BODY_LIMIT) return whole;
  return clamped(head, lines, tail, entries.length);
}

/** Keeps whole lines while they fit, then says how many changes were left out. */
function clamped(head: string[], lines: string[], tail: string[], total: number): string {
  const kept: string[] = [];
  const budget = RELEASE_BODY_LIMIT - 200 - [...head, ...tail].join('\n').length;
  let used = 0;
  let shown = 0;
  for (const line of lines) {
    const cost = line.length + 1;
    if (used + cost > budget) break;
    kept.push(line);
    used += cost;
    if (line.startsWith('- ')) shown += 1;
  }
  const note = `_… and ${total - shown} more changes: too long for one release; see the full changelog._`;
  return [...head, ...kept, '', note, ...tail].join('\n').slice(0, RELEASE_BODY_LIMIT);
}
