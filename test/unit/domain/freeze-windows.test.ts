import { describe, expect, it } from 'vitest';
import {
  freezeStatus,
  listFreezes,
  nextTransitions,
  occurrences,
  toFreezeWindow,
  validateCron,
  type FreezeWindow,
} from '../../../src/domain/freeze-windows.js';
import { SYSTEM_ACTOR, type Freeze } from '../../../src/domain/model.js';

const H = 3_600_000;
const iso = (d: Date): string => d.toISOString();
const at = (text: string): Date => new Date(text);

// Saturdays 19:00 London for 3 h, 2 h buffer. 2026-03-07 is a Saturday (GMT: local = UTC).
const eliteWars: FreezeWindow = {
  name: 'Elite Wars',
  cron: '0 19 * * 6',
  durationMs: 3 * H,
  bufferBeforeMs: 2 * H,
  timezone: 'Europe/London',
  envs: ['prod'],
};
// Every night 23:00 UTC for 3 h: crosses midnight.
const nightly: FreezeWindow = {
  name: 'Night batch',
  cron: '0 23 * * *',
  durationMs: 3 * H,
  bufferBeforeMs: 1 * H,
  timezone: 'UTC',
  envs: ['prod', 'staging'],
};
// Every night 01:30 London for 3 h, 1 h buffer: meets both DST changes of 2026.
const early: FreezeWindow = {
  name: 'Early',
  cron: '30 1 * * *',
  durationMs: 3 * H,
  bufferBeforeMs: 1 * H,
  timezone: 'Europe/London',
  envs: ['prod'],
};

function oneOff(overrides: Partial<Freeze> & Pick<Freeze, 'startsAt' | 'endsAt'>): Freeze {
  return {
    id: 'F00000001',
    reason: 'Launch week',
    envs: ['prod'],
    createdBy: SYSTEM_ACTOR,
    createdAt: at('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

describe('freezeStatus around buffer start, start and end', () => {
  const start = '2026-03-07T19:00:00.000Z';
  const end = '2026-03-07T22:00:00.000Z';
  it.each([
    ['1 s before buffer start', '2026-03-07T16:59:59Z', undefined],
    ['at buffer start', '2026-03-07T17:00:00Z', true],
    ['1 s after buffer start', '2026-03-07T17:00:01Z', true],
    ['1 ms before start', '2026-03-07T18:59:59.999Z', true],
    ['1 s before start', '2026-03-07T18:59:59Z', true],
    ['at start', '2026-03-07T19:00:00Z', false],
    ['1 s after start', '2026-03-07T19:00:01Z', false],
    ['1 s before end', '2026-03-07T21:59:59Z', false],
    ['1 ms before end', '2026-03-07T21:59:59.999Z', false],
    ['at end', '2026-03-07T22:00:00Z', undefined],
    ['1 s after end', '2026-03-07T22:00:01Z', undefined],
    ['a Friday at the same time', '2026-03-06T19:30:00Z', undefined],
  ])('%s (%s)', (_name, when, inBuffer) => {
    const status = freezeStatus([eliteWars], [], 'prod', at(when));
    if (inBuffer === undefined) {
      expect(status).toEqual({ frozen: false });
    } else {
      expect(status).toEqual({
        frozen: true,
        inBuffer,
        name: 'Elite Wars',
        startsAt: at(start),
        endsAt: at(end),
        source: 'window',
      });
    }
  });

  it('only freezes the envs of the window', () => {
    expect(freezeStatus([eliteWars], [], 'staging', at('2026-03-07T19:30:00Z'))).toEqual({ frozen: false });
  });

  it('follows the window timezone into summer time (19:00 BST = 18:00 UTC)', () => {
    const status = freezeStatus([eliteWars], [], 'prod', at('2026-06-06T18:00:00Z'));
    expect(status).toMatchObject({ frozen: true, inBuffer: false, startsAt: at('2026-06-06T18:00:00Z') });
    expect(freezeStatus([eliteWars], [], 'prod', at('2026-06-06T15:59:59Z'))).toEqual({ frozen: false });
  });
});

describe('a window crossing midnight', () => {
  it.each([
    ['buffer the evening before', '2026-04-30T22:30:00Z', true, '2026-04-30T23:00:00.000Z'],
    ['just before midnight', '2026-04-30T23:59:59Z', false, '2026-04-30T23:00:00.000Z'],
    ['at midnight', '2026-05-01T00:00:00Z', false, '2026-04-30T23:00:00.000Z'],
    ['after midnight', '2026-05-01T01:59:59Z', false, '2026-04-30T23:00:00.000Z'],
    ['at its end', '2026-05-01T02:00:00Z', undefined, ''],
    ['the afternoon after', '2026-05-01T15:00:00Z', undefined, ''],
  ])('%s', (_name, when, inBuffer, startsAt) => {
    const status = freezeStatus([nightly], [], 'prod', at(when));
    if (inBuffer === undefined) expect(status.frozen).toBe(false);
    else {
      expect(status).toMatchObject({ frozen: true, inBuffer, startsAt: at(startsAt) });
      expect(status.frozen && iso(status.endsAt)).toBe(iso(new Date(at(startsAt).getTime() + 3 * H)));
    }
  });
});

describe('DST in Europe/London', () => {
  it('spring forward: 01:30 does not exist on 2026-03-29, the window starts at 02:30 BST (01:30 UTC)', () => {
    const starts = occurrences(early, at('2026-03-27T12:00:00Z'), at('2026-03-30T12:00:00Z')).map((o) =>
      iso(o.startsAt),
    );
    expect(starts).toEqual([
      '2026-03-28T01:30:00.000Z', // 01:30 GMT
      '2026-03-29T01:30:00.000Z', // 02:30 BST: moved forward by the gap, once
      '2026-03-30T00:30:00.000Z', // 01:30 BST
    ]);
  });

  it.each([
    '2026-03-29T00:00:00Z',
    '2026-03-29T00:59:59Z',
    '2026-03-29T01:00:00Z',
    '2026-03-29T01:10:00Z',
    '2026-03-29T01:29:59Z',
    '2026-03-29T01:30:00Z',
    '2026-03-29T04:29:59Z',
  ])('spring forward: the same window is found whatever the query starts at (%s)', (from) => {
    const found = occurrences(early, at(from), at('2026-03-29T05:00:00Z'));
    expect(found.map((o) => iso(o.startsAt))).toContain('2026-03-29T01:30:00.000Z');
    expect(found.map((o) => iso(o.startsAt))).not.toContain('2026-03-29T00:30:00.000Z');
  });

  it.each([
    ['buffer 1 s before', '2026-03-29T00:29:59Z', undefined],
    ['buffer start', '2026-03-29T00:30:00Z', true],
    ['1 s before start', '2026-03-29T01:29:59Z', true],
    ['start', '2026-03-29T01:30:00Z', false],
    ['1 s before end (3 h elapsed)', '2026-03-29T04:29:59Z', false],
    ['end', '2026-03-29T04:30:00Z', undefined],
  ])('spring forward status: %s', (_name, when, inBuffer) => {
    const status = freezeStatus([early], [], 'prod', at(when));
    if (inBuffer === undefined) expect(status).toEqual({ frozen: false });
    else expect(status).toMatchObject({ frozen: true, inBuffer, endsAt: at('2026-03-29T04:30:00Z') });
  });

  it('fall back: 01:30 happens twice on 2026-10-25, the window starts once, at the first (01:30 BST)', () => {
    const starts = occurrences(early, at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z')).map((o) =>
      iso(o.startsAt),
    );
    expect(starts).toEqual([
      '2026-10-25T00:30:00.000Z', // 01:30 BST
      '2026-10-26T01:30:00.000Z', // 01:30 GMT
    ]);
  });

  it.each([
    ['first 01:30 (BST)', '2026-10-25T00:30:00Z', false],
    ['second 01:30 (GMT): still the same window, not a new one', '2026-10-25T01:30:00Z', false],
    ['1 s before end: 3 h elapsed, 02:29:59 GMT', '2026-10-25T03:29:59Z', false],
    ['end', '2026-10-25T03:30:00Z', undefined],
  ])('fall back status: %s', (_name, when, inBuffer) => {
    const status = freezeStatus([early], [], 'prod', at(when));
    if (inBuffer === undefined) expect(status).toEqual({ frozen: false });
    else {
      expect(status).toMatchObject({
        frozen: true,
        inBuffer,
        startsAt: at('2026-10-25T00:30:00Z'),
        endsAt: at('2026-10-25T03:30:00Z'),
      });
    }
  });

  it('fall back: a cron firing every 30 min does not fire again in the repeated hour', () => {
    const every30: FreezeWindow = {
      ...early,
      cron: '*/30 * * * *',
      durationMs: 10 * 60_000,
      bufferBeforeMs: 0,
    };
    const starts = occurrences(every30, at('2026-10-24T23:55:00Z'), at('2026-10-25T02:45:00Z')).map((o) =>
      iso(o.startsAt),
    );
    expect(starts).toEqual([
      '2026-10-25T00:00:00.000Z', // 01:00 BST
      '2026-10-25T00:30:00.000Z', // 01:30 BST
      // 01:00 and 01:30 GMT are repeats: skipped
      '2026-10-25T02:00:00.000Z', // 02:00 GMT
      '2026-10-25T02:30:00.000Z',
    ]);
  });

  it('fall back: announcements happen once', () => {
    const events = nextTransitions([early], at('2026-10-24T18:00:00Z'), at('2026-10-25T12:00:00Z'));
    expect(events.map((e) => `${e.kind} ${iso(e.at)}`)).toEqual([
      'buffer-start 2026-10-24T23:30:00.000Z',
      'start 2026-10-25T00:30:00.000Z',
      'end 2026-10-25T03:30:00.000Z',
    ]);
  });
});

describe('several freezes at once', () => {
  const late: FreezeWindow = { ...eliteWars, name: 'WoF attack', cron: '0 20 * * 6', durationMs: 4 * H };
  it('reports the one that ends last', () => {
    expect(freezeStatus([eliteWars, late], [], 'prod', at('2026-03-07T20:30:00Z'))).toMatchObject({
      name: 'WoF attack',
      endsAt: at('2026-03-08T00:00:00Z'),
    });
    expect(freezeStatus([late, eliteWars], [], 'prod', at('2026-03-07T20:30:00Z'))).toMatchObject({
      name: 'WoF attack',
    });
  });

  it('a window in its buffer that ends later wins over an active one', () => {
    expect(freezeStatus([eliteWars, late], [], 'prod', at('2026-03-07T19:30:00Z'))).toMatchObject({
      name: 'WoF attack',
      inBuffer: true,
    });
  });

  it('a one-off freeze that ends last is reported with its id', () => {
    const freeze = oneOff({ startsAt: at('2026-03-07T12:00:00Z'), endsAt: at('2026-03-08T12:00:00Z') });
    expect(freezeStatus([eliteWars], [freeze], 'prod', at('2026-03-07T19:30:00Z'))).toEqual({
      frozen: true,
      inBuffer: false,
      name: 'Launch week',
      startsAt: at('2026-03-07T12:00:00Z'),
      endsAt: at('2026-03-08T12:00:00Z'),
      source: 'freeze',
      freezeId: 'F00000001',
    });
  });

  it('the same window overlapping itself (duration longer than its period)', () => {
    const hourly: FreezeWindow = {
      ...nightly,
      cron: '0 * * * *',
      durationMs: 90 * 60_000,
      bufferBeforeMs: 0,
    };
    expect(freezeStatus([hourly], [], 'prod', at('2026-05-01T10:15:00Z'))).toMatchObject({
      startsAt: at('2026-05-01T10:00:00Z'),
      endsAt: at('2026-05-01T11:30:00Z'),
    });
  });
});

describe('one-off freezes', () => {
  const base = { startsAt: at('2026-05-01T10:00:00Z'), endsAt: at('2026-05-01T12:00:00Z') };
  it.each([
    ['before', {}, '2026-05-01T09:59:59Z', undefined],
    ['at start (no buffer)', {}, '2026-05-01T10:00:00Z', '2026-05-01T12:00:00.000Z'],
    ['1 s before end', {}, '2026-05-01T11:59:59Z', '2026-05-01T12:00:00.000Z'],
    ['at end', {}, '2026-05-01T12:00:00Z', undefined],
    [
      'lifted before now: does not count',
      { liftedAt: at('2026-05-01T10:30:00Z') },
      '2026-05-01T11:00:00Z',
      undefined,
    ],
    [
      'lifted at now: does not count',
      { liftedAt: at('2026-05-01T11:00:00Z') },
      '2026-05-01T11:00:00Z',
      undefined,
    ],
    [
      'lifted later: counts until the lift',
      { liftedAt: at('2026-05-01T11:30:00Z') },
      '2026-05-01T11:00:00Z',
      '2026-05-01T11:30:00.000Z',
    ],
    ['for another env', { envs: ['staging'] }, '2026-05-01T11:00:00Z', undefined],
  ] as const)('%s', (_name, overrides, when, endsAt) => {
    const status = freezeStatus([], [oneOff({ ...base, ...overrides })], 'prod', at(when));
    if (endsAt === undefined) expect(status).toEqual({ frozen: false });
    else
      expect(status).toMatchObject({ frozen: true, inBuffer: false, source: 'freeze', endsAt: at(endsAt) });
  });
});

describe('occurrences', () => {
  it('includes an occurrence whose buffer or freeze overlaps the range, and only those', () => {
    const range = (from: string, to: string): string[] =>
      occurrences(eliteWars, at(from), at(to)).map((o) => iso(o.startsAt));
    const saturday = '2026-03-07T19:00:00.000Z';
    expect(range('2026-03-07T16:00:00Z', '2026-03-07T17:00:00Z')).toEqual([]); // ends at buffer start
    expect(range('2026-03-07T16:00:00Z', '2026-03-07T17:00:01Z')).toEqual([saturday]);
    expect(range('2026-03-07T21:59:59Z', '2026-03-07T23:00:00Z')).toEqual([saturday]);
    expect(range('2026-03-07T22:00:00Z', '2026-03-07T23:00:00Z')).toEqual([]);
    expect(range('2026-03-07T12:00:00Z', '2026-03-07T12:00:00Z')).toEqual([]);
    expect(range('2026-03-01T00:00:00Z', '2026-03-22T00:00:00Z')).toEqual([
      '2026-03-07T19:00:00.000Z',
      '2026-03-14T19:00:00.000Z',
      '2026-03-21T19:00:00.000Z',
    ]);
  });

  it('gives buffer start, start and end of each', () => {
    expect(occurrences(eliteWars, at('2026-03-07T00:00:00Z'), at('2026-03-08T00:00:00Z'))).toEqual([
      {
        name: 'Elite Wars',
        envs: ['prod'],
        bufferStartsAt: at('2026-03-07T17:00:00Z'),
        startsAt: at('2026-03-07T19:00:00Z'),
        endsAt: at('2026-03-07T22:00:00Z'),
      },
    ]);
  });
});

describe('nextTransitions', () => {
  it('lists buffer start, start and end in order, with stable keys', () => {
    const events = nextTransitions([eliteWars], at('2026-03-07T00:00:00Z'), at('2026-03-08T00:00:00Z'));
    expect(events.map((e) => [e.kind, iso(e.at), e.key])).toEqual([
      ['buffer-start', '2026-03-07T17:00:00.000Z', 'Elite Wars|buffer-start|2026-03-07T19:00:00.000Z'],
      ['start', '2026-03-07T19:00:00.000Z', 'Elite Wars|start|2026-03-07T19:00:00.000Z'],
      ['end', '2026-03-07T22:00:00.000Z', 'Elite Wars|end|2026-03-07T19:00:00.000Z'],
    ]);
  });

  it('includes events at `from` and excludes those at `to`', () => {
    const events = nextTransitions([eliteWars], at('2026-03-07T19:00:00Z'), at('2026-03-07T22:00:00Z'));
    expect(events.map((e) => e.kind)).toEqual(['start']);
  });

  it('merges windows; at the same instant an end comes before a start; no buffer, no buffer-start', () => {
    const after: FreezeWindow = { ...eliteWars, name: 'After', cron: '0 22 * * 6', bufferBeforeMs: 0 };
    const events = nextTransitions(
      [after, eliteWars],
      at('2026-03-07T18:00:00Z'),
      at('2026-03-08T02:00:00Z'),
    );
    expect(events.map((e) => `${iso(e.at).slice(11, 16)} ${e.kind} ${e.name}`)).toEqual([
      '19:00 start Elite Wars',
      '22:00 end Elite Wars',
      '22:00 start After',
      '01:00 end After',
    ]);
  });

  it('crosses midnight', () => {
    const events = nextTransitions([nightly], at('2026-05-01T00:00:00Z'), at('2026-05-02T00:00:00Z'));
    expect(events.map((e) => `${e.kind} ${iso(e.at)}`)).toEqual([
      'end 2026-05-01T02:00:00.000Z',
      'buffer-start 2026-05-01T22:00:00.000Z',
      'start 2026-05-01T23:00:00.000Z',
    ]);
  });
});

describe('listFreezes', () => {
  const from = at('2026-03-05T00:00:00Z');
  const to = at('2026-03-12T00:00:00Z');
  it('merges window occurrences and one-off freezes in start order, filtered by env', () => {
    const freezes = [
      oneOff({
        id: 'F1',
        reason: 'Launch',
        startsAt: at('2026-03-06T10:00:00Z'),
        endsAt: at('2026-03-06T12:00:00Z'),
      }),
      oneOff({
        id: 'F2',
        reason: 'Lifted before it began',
        startsAt: at('2026-03-08T10:00:00Z'),
        endsAt: at('2026-03-08T12:00:00Z'),
        liftedAt: at('2026-03-07T00:00:00Z'),
      }),
      oneOff({
        id: 'F3',
        reason: 'Staging only',
        envs: ['staging'],
        startsAt: at('2026-03-09T10:00:00Z'),
        endsAt: at('2026-03-09T12:00:00Z'),
      }),
      oneOff({
        id: 'F4',
        reason: 'Long ago',
        startsAt: at('2026-02-01T10:00:00Z'),
        endsAt: at('2026-02-01T12:00:00Z'),
      }),
    ];
    const rows = listFreezes([eliteWars], freezes, from, to, 'prod');
    expect(rows.map((r) => [r.source, r.name, r.freezeId, iso(r.startsAt)])).toEqual([
      ['freeze', 'Launch', 'F1', '2026-03-06T10:00:00.000Z'],
      ['window', 'Elite Wars', undefined, '2026-03-07T19:00:00.000Z'],
    ]);
    expect(listFreezes([eliteWars], freezes, from, to).map((r) => r.name)).toContain('Staging only');
  });
});

describe('validateCron', () => {
  it.each([
    ['0 19 * * 6', undefined],
    ['0 19 * * SAT', undefined],
    ['30 1 * * THU', undefined],
    ['  0  2 * * *  ', undefined],
    ['*/15 9-17 1,15 * 1-5', undefined],
    [
      '0 19 * * * *',
      'must be a five-field cron expression (minute hour day-of-month month day-of-week), got 6 fields',
    ],
    [
      '0 19 * *',
      'must be a five-field cron expression (minute hour day-of-month month day-of-week), got 4 fields',
    ],
    ['', 'must be a five-field cron expression (minute hour day-of-month month day-of-week), got 0 fields'],
    ['H 19 * * 6', 'must not use "H" (a random time)'],
    ['60 19 * * 6', 'is not a valid cron expression: Constraint error, got value 60 expected range 0-59'],
    ['0 24 * * 6', 'is not a valid cron expression: Constraint error, got value 24 expected range 0-23'],
    ['0 0 30 2 *', 'is not a valid cron expression: Invalid explicit day of month definition'],
    ['x 19 * * 6', 'is not a valid cron expression: Invalid characters, got value: x'],
  ])('%j', (text, expected) => {
    expect(validateCron(text)).toBe(expected);
  });
});

describe('toFreezeWindow', () => {
  it('fills the timezone from the bot default', () => {
    expect(
      toFreezeWindow(
        { name: 'W', cron: ' 0 19 * * 6 ', duration: 3 * H, bufferBefore: 2 * H, envs: ['prod'] },
        'UTC',
      ),
    ).toEqual({
      name: 'W',
      cron: '0 19 * * 6',
      durationMs: 3 * H,
      bufferBeforeMs: 2 * H,
      timezone: 'UTC',
      envs: ['prod'],
    });
    expect(
      toFreezeWindow(
        {
          name: 'W',
          cron: '0 19 * * 6',
          duration: H,
          bufferBefore: 0,
          timezone: 'Europe/London',
          envs: ['prod'],
        },
        'UTC',
      ).timezone,
    ).toBe('Europe/London');
  });
});
