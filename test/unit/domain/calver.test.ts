import { describe, expect, it } from 'vitest';
import { compareVersions, localDate, nextVersion, parseVersion } from '../../../src/domain/calver.js';

describe('nextVersion', () => {
  it.each([
    ['first release of the day', [], '2026-03-28T12:00:00Z', 'UTC', 'v2026.03.28'],
    ['yesterday only', ['v2026.03.27', 'v2026.03.27-patch1'], '2026-03-28T12:00:00Z', 'UTC', 'v2026.03.28'],
    ['second release', ['v2026.03.28'], '2026-03-28T12:00:00Z', 'UTC', 'v2026.03.28-patch1'],
    [
      'third release',
      ['v2026.03.28', 'v2026.03.28-patch1'],
      '2026-03-28T12:00:00Z',
      'UTC',
      'v2026.03.28-patch2',
    ],
    [
      'order of tags does not matter',
      ['v2026.03.28-patch1', 'v2026.03.28'],
      '2026-03-28T12:00:00Z',
      'UTC',
      'v2026.03.28-patch2',
    ],
    [
      'gaps are not filled',
      ['v2026.03.28', 'v2026.03.28-patch3'],
      '2026-03-28T12:00:00Z',
      'UTC',
      'v2026.03.28-patch4',
    ],
    [
      'patch without the bare tag',
      ['v2026.03.28-patch1'],
      '2026-03-28T12:00:00Z',
      'UTC',
      'v2026.03.28-patch2',
    ],
    [
      'two-digit patches compare as numbers',
      ['v2026.03.28-patch9', 'v2026.03.28-patch10'],
      '2026-03-28T12:00:00Z',
      'UTC',
      'v2026.03.28-patch11',
    ],
    [
      'malformed tags are ignored',
      [
        'v2026.3.28',
        '2026.03.28',
        'v2026.03.28-patch0',
        'v2026.03.28-patch01',
        'v2026.03.28-hotfix',
        'v2026.03.28-patch',
        'V2026.03.28',
        'v2026.03.28-patch2 ',
      ],
      '2026-03-28T12:00:00Z',
      'UTC',
      'v2026.03.28',
    ],
    [
      'other days patches are ignored',
      ['v2026.03.29-patch5', 'v2025.03.28-patch5'],
      '2026-03-28T12:00:00Z',
      'UTC',
      'v2026.03.28',
    ],
    // Timezone edges: the local calendar date decides.
    [
      '23:30 UTC is still the 28th in London (GMT)',
      [],
      '2026-03-28T23:30:00Z',
      'Europe/London',
      'v2026.03.28',
    ],
    [
      '23:30 UTC on the 29th is already the 30th in London (BST)',
      [],
      '2026-03-29T23:30:00Z',
      'Europe/London',
      'v2026.03.30',
    ],
    [
      '23:30 UTC on the 28th is already the 29th in Berlin',
      [],
      '2026-03-28T23:30:00Z',
      'Europe/Berlin',
      'v2026.03.29',
    ],
    [
      '03:00 UTC is still the 27th in New York',
      [],
      '2026-03-28T03:00:00Z',
      'America/New_York',
      'v2026.03.27',
    ],
    [
      'a tag of the UTC date does not count in Tokyo',
      ['v2026.03.28'],
      '2026-03-28T16:00:00Z',
      'Asia/Tokyo',
      'v2026.03.29',
    ],
    [
      'a tag of the local date counts in Tokyo',
      ['v2026.03.29'],
      '2026-03-28T16:00:00Z',
      'Asia/Tokyo',
      'v2026.03.29-patch1',
    ],
    ['New Year in UTC', ['v2026.12.31'], '2026-12-31T23:59:59.999Z', 'UTC', 'v2026.12.31-patch1'],
    ['New Year one ms later', ['v2026.12.31'], '2027-01-01T00:00:00.000Z', 'UTC', 'v2027.01.01'],
    ['leap day', [], '2028-02-29T10:00:00Z', 'UTC', 'v2028.02.29'],
  ] as const)('%s', (_name, tags, now, timeZone, expected) => {
    expect(nextVersion(tags, new Date(now), timeZone)).toBe(expected);
  });
});

describe('parseVersion', () => {
  it.each([
    ['v2026.03.28', { year: 2026, month: 3, day: 28, patch: 0 }],
    ['v2026.03.28-patch1', { year: 2026, month: 3, day: 28, patch: 1 }],
    ['v2026.03.28-patch12', { year: 2026, month: 3, day: 28, patch: 12 }],
    ['v2026.02.30', undefined],
    ['v2026.13.01', undefined],
    ['v2026.00.10', undefined],
    ['v2026.03.28-patch0', undefined],
    ['v2026.03.28-patch-1', undefined],
    ['v2026.03.28.1', undefined],
    ['', undefined],
  ])('%j → %o', (tag, expected) => {
    expect(parseVersion(tag)).toEqual(expected);
  });
});

describe('compareVersions', () => {
  it('sorts by date then patch, malformed first', () => {
    const tags = [
      'v2026.03.28-patch10',
      'v2026.03.28',
      'junk',
      'v2025.12.31',
      'v2026.03.28-patch2',
      'v2026.04.01',
    ];
    expect([...tags].sort(compareVersions)).toEqual([
      'junk',
      'v2025.12.31',
      'v2026.03.28',
      'v2026.03.28-patch2',
      'v2026.03.28-patch10',
      'v2026.04.01',
    ]);
  });

  it.each([
    ['v2026.03.28', 'v2026.03.28', 0],
    ['v2026.03.28', 'v2026.03.28-patch1', -1],
    ['v2026.03.29', 'v2026.03.28-patch9', 1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe('localDate', () => {
  it.each([
    ['2026-03-28T23:59:59Z', 'UTC', { year: 2026, month: 3, day: 28 }],
    ['2026-03-28T23:00:00Z', 'Europe/Berlin', { year: 2026, month: 3, day: 29 }],
    ['2026-01-01T04:59:59Z', 'America/New_York', { year: 2025, month: 12, day: 31 }],
  ])('%s in %s', (at, tz, expected) => {
    expect(localDate(new Date(at), tz)).toEqual(expected);
  });
});
