import { describe, expect, it } from 'vitest';
import {
  REASON_MAX,
  clampReason,
  escapeMarkdown,
  neutralizeMentions,
  shortSha,
  truncate,
  userText,
} from '../../../src/domain/text.js';

const Z = '\u200b';

describe('neutralizeMentions', () => {
  it.each([
    ['@everyone look', `@${Z}everyone look`],
    ['@here', `@${Z}here`],
    ['@EveryOne', `@${Z}EveryOne`],
    ['hi <@123456789>', `hi <${Z}@123456789>`],
    ['<@!123>', `<${Z}@!123>`],
    ['<@&987654321>', `<${Z}@&987654321>`],
    ['see <#42>', `see <${Z}#42>`],
    ['run </deploy:1234>', `run <${Z}/deploy:1234>`],
    ['mail a@b.com, 3 < 4', 'mail a@b.com, 3 < 4'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(neutralizeMentions(input)).toBe(expected);
  });

  it('leaves no mention pattern Discord would parse', () => {
    const out = neutralizeMentions('@everyone @here <@1> <@!2> <@&3> <#4>');
    expect(out).not.toMatch(/@everyone|@here|<@!?\d+>|<@&\d+>|<#\d+>/);
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['**bold**', '\\*\\*bold\\*\\*'],
    ['_it_ __u__', '\\_it\\_ \\_\\_u\\_\\_'],
    ['~~s~~ ||spoiler||', '\\~\\~s\\~\\~ \\|\\|spoiler\\|\\|'],
    ['`code` ```block```', '\\`code\\` \\`\\`\\`block\\`\\`\\`'],
    ['[click](https://evil.example)', '\\[click\\](https://evil.example)'],
    ['# Heading', '\\# Heading'],
    ['> quote', '\\> quote'],
    ['- item\n12. first', '\\- item\n12\\. first'],
    ['-# subtext', '\\-# subtext'],
    ['a\\b', 'a\\\\b'],
    ['plain text, 2 - 1 = 1', 'plain text, 2 - 1 = 1'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['this is too long', 10, 'this is t…'],
    ['abc', 1, '…'],
    ['abc', 0, ''],
    ['ab😀cd', 4, 'ab…'], // the emoji would be split at 3: dropped whole
    ['ab😀cd', 5, 'ab😀…'],
  ])('%j to %d → %j', (input, max, expected) => {
    const out = truncate(input, max);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });
});

describe('userText', () => {
  it('neutralizes and escapes', () => {
    expect(userText('@here **x**', 100)).toBe(`@${Z}here \\*\\*x\\*\\*`);
  });

  it.each([5, 6, 7, 8, 9, 10])('fits %d characters without a dangling escape', (max) => {
    const out = userText('a*b*c*d*e*f', max);
    expect(out.length).toBeLessThanOrEqual(max);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toMatch(/\\…$/);
  });

  it('does not cut a mention in a way that makes it live again', () => {
    const out = userText('xx @everyone', 8);
    expect(out).not.toContain('@everyone');
  });
});

describe('shortSha', () => {
  it.each([
    ['0123456789abcdef0123456789abcdef01234567', '0123456'],
    ['ABCDEF1234', 'abcdef1'],
    ['abc', 'abc'],
  ])('%s → %s', (sha, expected) => {
    expect(shortSha(sha)).toBe(expected);
  });
});

describe('clampReason', () => {
  it.each([
    ['  hotfix for\nlogin\r\n\tbug  ', 'hotfix for login bug'],
    ['bell\u0007 and nul\u0000', 'bell and nul'],
    ['', ''],
    ['one line', 'one line'],
  ])('%j → %j', (input, expected) => {
    expect(clampReason(input)).toBe(expected);
  });

  it('cuts at 500 characters with an ellipsis', () => {
    const out = clampReason('x'.repeat(600));
    expect(out).toHaveLength(REASON_MAX);
    expect(out.endsWith('…')).toBe(true);
  });
});
