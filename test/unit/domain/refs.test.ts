import { describe, expect, it } from 'vitest';
import { isValidRef, refProblem } from '../../../src/domain/refs.js';

describe('defect 6: refs follow git check-ref-format', () => {
  it.each([
    'main',
    'release/2026.03',
    'feature/login-fix',
    'refs/heads/main',
    'v2026.03.07',
    'a1b2',
    'A1B2C3D',
    '0123456789abcdef0123456789abcdef01234567',
    'user@host',
  ])('accepts %j', (ref) => {
    expect(refProblem(ref)).toBeUndefined();
  });

  it.each([
    ['.', 'cannot end with "."'],
    ['..', 'cannot contain ".."'],
    ['../../orgs', 'cannot contain ".."'],
    ['main..dev', 'cannot contain ".."'],
    ['.hidden', 'cannot have a part that starts with "."'],
    ['feature/.x', 'cannot have a part that starts with "."'],
    ['main.lock', 'cannot have a part that ends with ".lock"'],
    ['release.', 'cannot end with "."'],
    ['/main', 'cannot start or end with "/" or contain "//"'],
    ['main/', 'cannot start or end with "/" or contain "//"'],
    ['a//b', 'cannot start or end with "/" or contain "//"'],
    ['@', 'cannot be "@" alone'],
    ['main@{1}', 'cannot contain "@{"'],
    ['has space', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['HEAD~1', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['HEAD^', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['a:b', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['wild*', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['a[b', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['a\\b', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['nul\u0000', 'contains a space, a control character or one of ~ ^ : ? * [ \\'],
    ['', 'is empty'],
  ])('refuses %j: %s', (ref, problem) => {
    expect(refProblem(ref)).toBe(problem);
    expect(isValidRef(ref)).toBe(false);
  });

  it('takes 4 to 40 hex digits as a SHA, not 3 or 41', () => {
    expect(isValidRef('abc')).toBe(true); // still a valid branch name
    expect(refProblem('a'.repeat(41))).toBeUndefined(); // and so is this
    expect(isValidRef('abcd')).toBe(true);
  });
});
