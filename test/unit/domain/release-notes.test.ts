import { describe, expect, it } from 'vitest';
import {
  buildReleaseNotes,
  changeEntries,
  classify,
  escapeGitHubMarkdown,
  RELEASE_BODY_LIMIT,
  type ReleaseCommit,
} from '../../../src/domain/release-notes.js';

const sha = (n: number): string => n.toString(16).padStart(40, 'a');
const commit = (n: number, title: string, author = 'alice'): ReleaseCommit => ({
  sha: sha(n),
  title,
  author,
});

describe('release notes', () => {
  it('classifies conventional-commit titles into Features, Fixes and Other', () => {
    expect(classify('feat(api): add x')).toEqual({
      group: 'Features',
      scope: 'api',
      breaking: false,
      description: 'add x',
    });
    expect(classify('fix!: stop y')).toMatchObject({ group: 'Fixes', breaking: true, description: 'stop y' });
    expect(classify('chore: bump')).toMatchObject({ group: 'Other', description: 'chore: bump' });
    expect(classify('Merge branch main')).toMatchObject({ group: 'Other', description: 'Merge branch main' });
  });

  it('groups entries by type, with authors, pull request numbers and SHAs', () => {
    const body = buildReleaseNotes({
      service: 'api',
      version: 'v2026.12.01',
      previousVersion: 'v2026.11.30',
      commits: [commit(1, 'feat: add health'), commit(2, 'fix: empty payloads', 'bob'), commit(3, 'docs: x')],
      pullsBySha: new Map([[sha(1), [{ number: 7, title: 'feat: add health endpoint', author: 'chen' }]]]),
      compareUrl: 'https://github.com/o/r/compare/v2026.11.30...v2026.12.01',
    });
    const features = body.indexOf('### Features');
    const fixes = body.indexOf('### Fixes');
    const other = body.indexOf('### Other');
    expect(features).toBeGreaterThan(0);
    expect(fixes).toBeGreaterThan(features);
    expect(other).toBeGreaterThan(fixes);
    expect(body).toContain('- add health endpoint (#7) by @chen, @alice');
    expect(body).toContain(`- empty payloads (${sha(2).slice(0, 7)}) by @bob`);
    expect(body).toContain('Changes since v2026.11.30.');
    expect(body).toContain('**Full changelog:** https://github.com/o/r/compare/');
  });

  it('lists a pull request once even when several of its commits are in the range', () => {
    const pull = { number: 9, title: 'feat: one feature', author: 'bob' };
    const entries = changeEntries({
      service: 'api',
      version: 'v1',
      commits: [commit(1, 'wip'), commit(2, 'wip 2')],
      pullsBySha: new Map([
        [sha(1), [pull]],
        [sha(2), [pull]],
      ]),
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ pull: 9, group: 'Features' });
  });

  it('escapes Markdown, HTML and mentions from commit messages', () => {
    const body = buildReleaseNotes({
      service: 'api',
      version: 'v1',
      commits: [commit(1, 'fix: **bold** <img src=x> [link](http://x) @everyone #12', 'Alice Martin')],
    });
    // Every Markdown and HTML character from the message is escaped (preceded by a backslash).
    expect(body).toContain('\\*\\*bold\\*\\* \\<img src=x\\> \\[link\\]\\(http://x\\)');
    expect(body).not.toMatch(/[^\\]<img/);
    expect(body).toContain('@\u200beveryone');
    expect(body).toContain('\\#12');
    // A git author name that is not a login is text, not a mention.
    expect(body).toContain('by Alice Martin');
    expect(escapeGitHubMarkdown('a\nb')).toBe('a b');
  });

  it('says so when there is nothing new, and on a first release', () => {
    const body = buildReleaseNotes({ service: 'api', version: 'v1', commits: [] });
    expect(body).toContain('No new commits.');
    expect(body).toContain('first release');
  });

  it('clamps to GitHub’s body limit and says how many changes were left out', () => {
    const long = 'x'.repeat(900);
    const commits = Array.from({ length: 400 }, (_, i) => commit(i + 1, `feat: ${long} ${i}`));
    const body = buildReleaseNotes({ service: 'api', version: 'v1', commits, compareUrl: 'https://c' });
    expect(body.length).toBeLessThanOrEqual(RELEASE_BODY_LIMIT);
    const shown = body.split('\n').filter((line) => line.startsWith('- ')).length;
    expect(shown).toBeGreaterThan(100);
    expect(shown).toBeLessThan(400);
    expect(body).toContain(`… and ${400 - shown} more changes`);
    expect(body).toContain('**Full changelog:** https://c');
  });
});
