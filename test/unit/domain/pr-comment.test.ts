import { describe, expect, it } from 'vitest';
import {
  isBotComment,
  parseCommentState,
  PR_COMMENT_MARKER,
  renderPrComment,
  withEntry,
  type PrEnvEntry,
} from '../../../src/domain/pr-comment.js';

const entry = (over: Partial<PrEnvEntry> = {}): PrEnvEntry => ({
  env: 'staging',
  action: 'deployed',
  version: 'v2026.12.01',
  deployId: 'D1',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  at: '2026-12-01T10:00:00.000Z',
  ...over,
});

describe('pull-request comment', () => {
  it('renders a line per env and reads its own state back', () => {
    const state = withEntry(withEntry({ envs: [] }, entry()), entry({ env: 'prod', deployId: 'D2' }));
    const body = renderPrComment(state, 'api');
    expect(isBotComment(body)).toBe(true);
    expect(body.startsWith(PR_COMMENT_MARKER)).toBe(true);
    expect(body).toContain(
      '- 🚀 Deployed to **staging** in v2026.12.01 (deploy D1, [run](https://github.com/o/r/actions/runs/1))',
    );
    expect(body).toContain('- 🚀 Deployed to **prod** in v2026.12.01 (deploy D2, [run](');
    expect(parseCommentState(body)).toEqual(state);
  });

  it('a later event for the same env replaces its line, keeping the order', () => {
    const state = withEntry(
      withEntry(withEntry({ envs: [] }, entry()), entry({ env: 'prod' })),
      entry({ action: 'rolledBack', version: 'v2026.11.30', deployId: 'D3' }),
    );
    expect(state.envs.map((e) => `${e.env}:${e.action}`)).toEqual(['staging:rolledBack', 'prod:deployed']);
    expect(renderPrComment(state, 'api')).toContain(
      '- ⏪ Rolled back from **staging** to v2026.11.30 (deploy D3',
    );
  });

  it('a comment edited by hand, or without state, starts afresh; bad entries are dropped', () => {
    expect(parseCommentState('hello')).toEqual({ envs: [] });
    expect(parseCommentState(`${PR_COMMENT_MARKER}\n<!-- release-console:state %%% -->`)).toEqual({
      envs: [],
    });
    expect(parseCommentState('<!-- release-console:state abc')).toEqual({ envs: [] });
    const mixed = Buffer.from(JSON.stringify({ envs: [entry(), { env: 3 }, null] })).toString('base64url');
    expect(parseCommentState(`<!-- release-console:state ${mixed} -->`).envs).toEqual([entry()]);
    const notList = Buffer.from(JSON.stringify({ envs: 'x' })).toString('base64url');
    expect(parseCommentState(`<!-- release-console:state ${notList} -->`).envs).toEqual([]);
  });

  it('never puts an unsafe link or markup from the record into the comment', () => {
    const { version: _none, ...unversioned } = entry({ runUrl: 'javascript:alert(1)', env: 'prod**x**' });
    const body = renderPrComment({ envs: [unversioned] }, 'api');
    expect(body).not.toContain('javascript:');
    expect(body).toContain('**prodx**');
    expect(body).toContain('- 🚀 Deployed to **prodx** (deploy D1)');
  });
});
