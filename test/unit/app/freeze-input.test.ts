import { afterEach, describe, expect, it } from 'vitest';
import {
  announceTransition,
  transitionKey,
  type AnnounceData,
} from '../../../src/app/freeze-announcements.js';
import { liftFreeze, startFreeze } from '../../../src/app/freezes.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { people, refusal, startAppHarness, type AppHarness } from '../../helpers/app-deps.js';

/** `/freeze` (SPEC §7) with input a person gets wrong, and freezes that end or are lifted before they are due. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const HOUR = 3_600_000;
// Wednesday 4 March 2026, 09:00 UTC (GMT in London): no recurring window in force.
const clock = (): ManualClock => new ManualClock('2026-03-04T09:00:00Z');

async function harness(at = clock()): Promise<AppHarness> {
  h = await startAppHarness({ clock: at });
  return h;
}

describe('/freeze start and schedule: bad input is refused with what to change', () => {
  it('names the environments to choose from when the env is unknown', async () => {
    const { deps } = await harness();
    const error = await refusal(
      startFreeze(deps, people.bob, { durationMs: HOUR, reason: 'db move', env: 'qa' }),
    );
    expect(error.code).toBe('UNKNOWN_ENV');
    expect(error.message).toBe('Unknown environment "qa". Choose one of: staging, prod.');
  });

  it('asks for a reason of a few words', async () => {
    const { deps } = await harness();
    const error = await refusal(startFreeze(deps, people.bob, { durationMs: HOUR, reason: ' ok ' }));
    expect(error).toMatchObject({
      code: 'BAD_INPUT',
      message: 'Give a reason for the freeze (a few words).',
    });
  });

  it('refuses a start in the past, shown in the bot’s time zone, and one more than 90 days ahead', async () => {
    const { deps } = await harness();
    const past = await refusal(
      startFreeze(deps, people.bob, {
        startsAt: new Date('2026-03-04T08:00:00Z'),
        durationMs: HOUR,
        reason: 'db move',
      }),
    );
    expect(past.code).toBe('BAD_INPUT');
    expect(past.message).toMatch(/^That start \(.*08:00 Europe\/London\) is in the past\.$/);

    const far = await refusal(
      startFreeze(deps, people.bob, {
        startsAt: new Date('2026-06-03T09:00:00Z'),
        durationMs: HOUR,
        reason: 'db move',
      }),
    );
    expect(far).toMatchObject({
      code: 'BAD_INPUT',
      message: 'A freeze can be scheduled at most 90 days ahead.',
    });
    expect(await deps.repos.freezes.overlapping(new Date(0), new Date('2027-01-01'))).toEqual([]);
  });

  it('freezes staging when asked, from now when the start is a few seconds old', async () => {
    const { deps } = await harness();
    const freeze = await startFreeze(deps, people.bob, {
      startsAt: new Date('2026-03-04T08:59:40Z'),
      durationMs: HOUR,
      reason: 'load test',
      env: 'staging',
    });
    expect(freeze).toMatchObject({
      envs: ['staging'],
      startsAt: new Date('2026-03-04T09:00:00Z'),
      endsAt: new Date('2026-03-04T10:00:00Z'),
    });
  });
});

describe('/freeze lift', () => {
  it('says recurring windows cannot be lifted when the id is not a one-off freeze', async () => {
    const { deps } = await harness();
    const error = await refusal(liftFreeze(deps, people.bob, 'FNOSUCH01'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('recurring windows come from the configuration and cannot be lifted');
  });

  it('refuses to lift a freeze that is already over', async () => {
    const at = clock();
    const { deps } = await harness(at);
    const freeze = await startFreeze(deps, people.bob, { durationMs: HOUR, reason: 'db move' });
    at.advance(HOUR);
    const error = await refusal(liftFreeze(deps, people.carol, freeze.id));
    expect(error).toMatchObject({ code: 'ALREADY_DECIDED', message: `Freeze ${freeze.id} is already over.` });
  });

  it('lifts once when two R5s lift at the same moment; the other is told it is done', async () => {
    const { deps } = await harness();
    const freeze = await startFreeze(deps, people.bob, { durationMs: HOUR, reason: 'db move' });
    const results = await Promise.allSettled([
      liftFreeze(deps, people.bob, freeze.id),
      liftFreeze(deps, people.carol, freeze.id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({ code: 'ALREADY_DECIDED' });
    const lifts = (await deps.repos.audit.find({ limit: 20 })).filter((e) => e.action === 'freeze.lifted');
    expect(lifts).toHaveLength(1);
  });
});

describe('freeze announcements that are no longer due', () => {
  it('posts nothing for a lifted freeze, nor for a window that ended before its announcement ran', async () => {
    const at = clock();
    const { deps, told } = await harness(at);
    const freeze = await startFreeze(deps, people.bob, {
      startsAt: new Date('2026-03-04T12:00:00Z'),
      durationMs: HOUR,
      reason: 'db move',
    });
    await liftFreeze(deps, people.bob, freeze.id);
    const before = told.announcements.length;
    const start: AnnounceData = {
      key: `${transitionKey(freeze.id, 'start', freeze.startsAt)}-replayed`,
      kind: 'start',
      source: 'freeze',
      name: freeze.reason,
      freezeId: freeze.id,
      envs: freeze.envs,
      startsAt: freeze.startsAt.toISOString(),
      endsAt: freeze.endsAt.toISOString(),
    };
    expect(await announceTransition(deps, start)).toBe('skipped');

    // A window's start announcement that runs only after the window ended (the bot was down).
    at.set('2026-03-04T23:00:00Z');
    const missed: AnnounceData = {
      key: 'WoF attack|start|2026-03-04T20:30:00.000Z',
      kind: 'start',
      source: 'window',
      name: 'WoF attack',
      envs: ['prod'],
      startsAt: '2026-03-04T20:30:00.000Z',
      endsAt: '2026-03-04T22:00:00.000Z',
    };
    expect(await announceTransition(deps, missed)).toBe('skipped');
    // Marked done: a second run (another instance) does not post it either.
    expect(await announceTransition(deps, missed)).toBe('skipped');
    expect(told.announcements).toHaveLength(before);
  });
});
