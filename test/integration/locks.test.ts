import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { renderAnnouncement } from '../../src/adapters/discord/render/freeze.js';
import { renderStatus } from '../../src/adapters/discord/render/status.js';
import { cancelRequest, resumeRequest } from '../../src/app/deploys/decide.js';
import { offerQueued } from '../../src/app/deploys/queue.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { expireLocks, lockAll, lockEnv, unlockAll, unlockEnv } from '../../src/app/locks.js';
import { statusBoard } from '../../src/app/status.js';
import { aheadInLine } from '../../src/app/deploys/line.js';
import { MAINTENANCE_KEY } from '../../src/app/settings.js';
import { ManualClock } from '../../src/domain/clock.js';
import { people, refusal, ROLES, startAppHarness, type AppHarness } from '../helpers/app-deps.js';

/** A second R4, so "another R4 than the owner" can be asked. */
const erin = { id: '900000000000000005', name: 'erin', roleIds: [ROLES.r4] };
const MINUTE = 60_000;

let h: AppHarness;
let clock: ManualClock;
beforeEach(async () => {
  clock = new ManualClock('2026-03-04T10:00:00Z');
  h = await startAppHarness({ clock });
});
afterEach(async () => {
  await h.close();
});

const stagingApi = { service: 'api', env: 'staging' };
const get = async (id: string) => (await h.deps.repos.deploys.get(id))!;
const request = async (actor: typeof erin) => (await requestDeploy(h.deps, { actor, ...stagingApi })).deploy;
/** Who was offered Deploy now so far, once the outbox worked what it owes. */
const offersTo = async () => {
  await h.deps.outbox.idle();
  return h.told.requesters.filter((r) => r.offer).map((r) => r.deployId);
};

describe('a manual lock', () => {
  it('queues requests naming owner, reason and expiry; only the owner or an R5 unlocks; unlock offers the queue', async () => {
    expect((await refusal(lockEnv(h.deps, people.dave, { ...stagingApi, reason: 'db work' }))).code).toBe(
      'NOT_ALLOWED',
    );
    await lockEnv(h.deps, people.alice, { ...stagingApi, reason: 'db migration', ttlMs: 60 * MINUTE });
    expect((await refusal(lockEnv(h.deps, erin, { ...stagingApi, reason: 'again' }))).message).toContain(
      'already locked by alice',
    );

    const queued = await request(erin);
    expect(queued.state).toBe('queued');
    expect(queued.waitingFor?.code).toBe('LOCKED');
    expect(queued.waitingFor?.reason).toMatch(/^Locked by alice until .*11:00.*: db migration$/);
    expect(JSON.stringify(renderDeployCard(queued, { repo: 'example-org/api' }))).toContain('1st in line');

    expect((await refusal(unlockEnv(h.deps, erin, stagingApi))).code).toBe('NOT_ALLOWED');
    const { offered } = await unlockEnv(h.deps, people.bob, stagingApi);
    expect(offered).toBe(1);
    expect((await get(queued.id)).state).toBe('requested');
    expect(await offersTo()).toEqual([queued.id]);
    expect((await refusal(unlockEnv(h.deps, people.bob, stagingApi))).code).toBe('NOT_FOUND');

    const kinds = h.told.announcements.map((a) => a.kind);
    expect(kinds).toEqual(['locked', 'unlocked']);
    const audit = await h.deps.repos.audit.find({ service: 'api', limit: 50 });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['lock.taken', 'lock.released']));
    expect(audit.find((e) => e.action === 'lock.released')?.actor.name).toBe('bob');
  });

  it('expires by itself: the gate lets requests through from its expiry on, the job announces it and offers the queue', async () => {
    await lockEnv(h.deps, people.alice, { ...stagingApi, reason: 'load test', ttlMs: 10 * MINUTE });
    const queued = await request(erin);
    expect(queued.state).toBe('queued');
    expect(await expireLocks(h.deps)).toEqual([]);

    clock.advance(10 * MINUTE);
    const expired = await expireLocks(h.deps);
    expect(expired.map((l) => l.reason)).toEqual(['load test']);
    expect(await expireLocks(h.deps)).toEqual([]); // once
    expect((await get(queued.id)).state).toBe('requested');
    const last = h.told.announcements.at(-1);
    expect(last).toMatchObject({ kind: 'unlocked', by: undefined, offered: 1 });
    expect(JSON.stringify(renderAnnouncement(last!, 'UTC'))).toContain('The lock expired');
    const audit = await h.deps.repos.audit.find({ service: 'api', limit: 50 });
    expect(audit.find((e) => e.action === 'lock.expired')?.actor.id).toBe('system');
  });

  it('refuses a ttl of more than 30 days and a reason of nothing', async () => {
    const long = lockEnv(h.deps, people.alice, {
      ...stagingApi,
      reason: 'long',
      ttlMs: 31 * 24 * 60 * MINUTE,
    });
    expect((await refusal(long)).code).toBe('BAD_INPUT');
    expect((await refusal(lockEnv(h.deps, people.alice, { ...stagingApi, reason: '  ' }))).code).toBe(
      'BAD_INPUT',
    );
    expect(await h.deps.repos.locks.list()).toEqual([]);
  });
});

describe('the global lock', () => {
  it('is R5 only, holds every env, and its lifting offers every queue', async () => {
    expect((await refusal(lockAll(h.deps, people.alice, 'incident'))).code).toBe('NOT_ALLOWED');
    await lockAll(h.deps, people.bob, 'incident 42');
    const api = await request(erin);
    const web = (await requestDeploy(h.deps, { actor: people.alice, service: 'web', env: 'staging' })).deploy;
    expect(api.waitingFor?.reason).toBe('Every environment is locked by bob: incident 42');
    expect(web.state).toBe('queued');
    expect((await refusal(unlockAll(h.deps, people.alice))).code).toBe('NOT_ALLOWED');
    expect((await unlockAll(h.deps, people.carol)).offered).toBe(2);
    expect((await offersTo()).sort()).toEqual([api.id, web.id].sort());
    expect((await refusal(unlockAll(h.deps, people.carol))).code).toBe('NOT_FOUND');
  });
});

describe('the FIFO queue of a service and env', () => {
  it('offers only the head, moves the others up, and offers the next when the head cancels or lets its offer lapse', async () => {
    await lockEnv(h.deps, people.bob, { ...stagingApi, reason: 'hold' });
    const first = await request(people.alice);
    clock.advance(1000);
    const second = await request(erin);
    clock.advance(1000);
    const third = await request(people.carol);
    expect([first, second, third].map((d) => [d.state, d.queuePosition])).toEqual([
      ['queued', 1],
      ['queued', 2],
      ['queued', 3],
    ]);
    expect(JSON.stringify(renderDeployCard(second, { repo: 'example-org/api' }))).toContain('2nd in line');

    await unlockEnv(h.deps, people.bob, stagingApi);
    expect(await offersTo()).toEqual([first.id]);
    expect((await get(second.id)).queuePosition).toBe(2);
    expect((await get(third.id)).queuePosition).toBe(3);
    // Nobody jumps the line: a new request waits behind the offered head, and a sweep offers nobody else.
    expect(await offerQueued(h.deps)).toBe(0);
    expect((await refusal(resumeRequest(h.deps, erin, first.id))).code).toBe('NOT_ALLOWED');

    await cancelRequest(h.deps, people.alice, first.id);
    expect(await offersTo()).toEqual([first.id, second.id]);

    clock.advance(h.deps.config.queue.offerExpiry - 1);
    expect(await offerQueued(h.deps)).toBe(0);
    clock.advance(1);
    expect(await offerQueued(h.deps)).toBe(1);
    expect((await get(second.id)).state).toBe('expired');
    expect(await offersTo()).toEqual([first.id, second.id, third.id]);
  });

  it('lets the offered head deploy, and the next waits until that deploy has finished', async () => {
    await lockEnv(h.deps, people.bob, { ...stagingApi, reason: 'hold' });
    const first = await request(people.alice);
    clock.advance(1000);
    const second = await request(erin);
    await unlockEnv(h.deps, people.bob, stagingApi);
    const progress = await resumeRequest(h.deps, people.alice, first.id);
    expect(progress.kind).toBe('dispatched');
    expect(await offerQueued(h.deps)).toBe(0);
    expect((await get(second.id)).state).toBe('queued');
  });

  it('keeps other requesters in line: a newer request replaces only its own requester’s older one', async () => {
    await lockEnv(h.deps, people.bob, { ...stagingApi, reason: 'hold' });
    const alices = await request(people.alice);
    clock.advance(1000);
    const erins = await request(erin);
    clock.advance(1000);
    const alicesAgain = await request(people.alice);
    expect((await get(alices.id)).state).toBe('superseded');
    expect((await get(erins.id)).state).toBe('queued');
    expect(alicesAgain.queuePosition).toBe(2);
  });
});

describe('/status', () => {
  it('shows every service × env with its lock, freeze, queue and run', async () => {
    await lockEnv(h.deps, people.alice, { ...stagingApi, reason: 'db work', ttlMs: 30 * MINUTE });
    await request(erin);
    const board = await statusBoard(h.deps);
    expect(board.rows.map((r) => `${r.service}/${r.env}`)).toEqual([
      'api/staging',
      'api/prod',
      'web/staging',
      'web/prod',
    ]);
    const api = board.rows[0]!;
    expect(api.lock?.reason).toBe('db work');
    expect(api.inLine).toBe(1);
    const text = JSON.stringify(renderStatus(board, 'UTC'));
    expect(text).toContain('⛔ api → **staging** · 🔒 alice until');
    expect(text).toContain('⏳ 1 in line');
    expect(text).toContain('✅ web → **prod** · open');

    clock.advance(30 * MINUTE);
    expect((await statusBoard(h.deps)).rows[0]?.lock).toBeUndefined(); // expired, even before the job ran
  });

  it('stays within Discord’s embed limit however many services there are', () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({
      service: `service-${i}`,
      env: 'prod',
      freeze: { frozen: false as const },
      inLine: i,
    }));
    const view = renderStatus({ at: new Date(0), rows }, 'UTC');
    const description = view.embeds?.[0]?.description ?? '';
    expect(description.length).toBeLessThanOrEqual(4096);
    expect(description).toMatch(/… and \d+ more/);
  });
});

describe('the edges of locks and the line', () => {
  it('names a faulty deploy’s lock without an owner, and a rollback never waits behind deploys in line', async () => {
    await h.deps.repos.locks.acquire({
      ...stagingApi,
      kind: 'faulty',
      reason: 'v2026.03.04 faulty',
      createdBy: { id: 'system', name: 'Release Console' },
      createdAt: clock.now(),
    });
    const queued = await request(erin);
    expect(queued.waitingFor?.reason).toBe('Locked (faulty deploy): v2026.03.04 faulty');
    clock.advance(1000);
    const later = { ...queued, id: 'DLATER001', createdAt: clock.now() };
    expect(await aheadInLine(h.deps, later)).toBe(1);
    expect(await aheadInLine(h.deps, { ...later, kind: 'rollback' })).toBe(0);
  });

  it('shows maintenance and the deploy running on /status', async () => {
    const started = (await requestDeploy(h.deps, { actor: people.alice, ...stagingApi })).deploy;
    await h.deps.repos.settings.set(
      MAINTENANCE_KEY,
      { on: true, reason: 'db upgrade', by: people.bob, at: clock.now().toISOString() },
      clock.now(),
    );
    const board = await statusBoard(h.deps);
    expect(board.maintenance?.reason).toBe('db upgrade');
    expect(board.rows[0]?.running?.id).toBe(started.id);
    const text = JSON.stringify(renderStatus(board, 'UTC'));
    expect(text).toContain('Maintenance is on: db upgrade');
    expect(text).toContain(`🚀 ${started.id} ${started.state}`);
  });
});
