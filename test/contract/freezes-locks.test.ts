import { expect, it } from 'vitest';
import { ALL_TARGETS, type Freeze, type Lock } from '../../src/domain/model.js';
import { alice, at, bob, forEachBackend, uid } from './backends.js';

const newFreeze = (over: Partial<Freeze> = {}): Freeze => ({
  id: uid('F'),
  reason: 'Elite Wars',
  envs: ['prod'],
  startsAt: at(10),
  endsAt: at(20),
  createdBy: alice,
  createdAt: at(0),
  ...over,
});

forEachBackend('FreezeRepository', (repos) => {
  it('creates, reads back and lifts a freeze once', async () => {
    const freeze = await repos().freezes.create(newFreeze({ envs: ['staging', 'prod'] }));
    expect(await repos().freezes.get(freeze.id)).toEqual(freeze);
    expect(await repos().freezes.lift(freeze.id, bob, at(12))).toEqual({
      ...freeze,
      liftedBy: bob,
      liftedAt: at(12),
    });
    expect(await repos().freezes.lift(freeze.id, alice, at(13))).toBeUndefined();
    expect(await repos().freezes.lift(uid('missing'), alice, at(13))).toBeUndefined();
  });

  it('finds unlifted freezes overlapping a half-open range, earliest first', async () => {
    const base = 1000 + Math.floor(Math.random() * 10_000); // minutes far from other tests' freezes
    const a = await repos().freezes.create(newFreeze({ startsAt: at(base + 10), endsAt: at(base + 20) }));
    const b = await repos().freezes.create(newFreeze({ startsAt: at(base + 5), endsAt: at(base + 15) }));
    const lifted = await repos().freezes.create(
      newFreeze({ startsAt: at(base + 10), endsAt: at(base + 20) }),
    );
    await repos().freezes.lift(lifted.id, bob, at(base));
    const ids = async (from: number, to: number) =>
      (await repos().freezes.overlapping(at(base + from), at(base + to))).map((f) => f.id);
    expect(await ids(0, 30)).toEqual([b.id, a.id]);
    expect(await ids(15, 16)).toEqual([a.id]);
    expect(await ids(20, 30)).toEqual([]); // ends are exclusive
    expect(await ids(0, 5)).toEqual([]); // starts are exclusive of a range ending there
  });
});

forEachBackend('LockRepository', (repos) => {
  const newLock = (over: Partial<Lock> = {}): Lock => ({
    service: 'api',
    env: 'prod',
    kind: 'faulty',
    reason: 'verification failed',
    createdBy: alice,
    createdAt: at(0),
    ...over,
  });

  it('takes a lock once, again after release, and keeps kinds and envs apart', async () => {
    const service = uid('svc');
    const lock = newLock({ service, deployId: 'D1' });
    expect(await repos().locks.acquire(lock)).toBe(true);
    expect(await repos().locks.acquire(newLock({ service, reason: 'again' }))).toBe(false);
    expect(await repos().locks.acquire(newLock({ service, kind: 'manual', createdAt: at(1) }))).toBe(true);
    expect(await repos().locks.acquire(newLock({ service, env: 'staging', createdAt: at(2) }))).toBe(true);
    expect(await repos().locks.list({ service, env: 'prod' })).toEqual([
      lock,
      newLock({ service, kind: 'manual', createdAt: at(1) }),
    ]);
    expect(await repos().locks.release(service, 'prod', 'faulty')).toBe(true);
    expect(await repos().locks.release(service, 'prod', 'faulty')).toBe(false);
    expect(await repos().locks.acquire(newLock({ service }))).toBe(true);
  });

  it('lists by service and env alone when the filter object carries more', async () => {
    const service = uid('svc');
    const lock = newLock({ service });
    await repos().locks.acquire(lock);
    const target = { service, env: 'prod', isProd: true, envConfig: { name: 'prod' } };
    expect(await repos().locks.list(target)).toEqual([lock]);
  });

  it('has one winner among concurrent takers', async () => {
    const service = uid('svc');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => repos().locks.acquire(newLock({ service }))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repos().locks.list({ service })).toHaveLength(1);
  });
});

forEachBackend('LockRepository: expiry and the global lock (§16)', (repos) => {
  const manual = (over: Partial<Lock>): Lock => ({
    service: 'api',
    env: 'prod',
    kind: 'manual',
    reason: 'db migration',
    createdBy: bob,
    createdAt: at(0),
    ...over,
  });

  it('keeps expiresAt and removes only the locks due, once', async () => {
    const service = uid('svc');
    const due = manual({ service, expiresAt: at(10) });
    const later = manual({ service, env: 'staging', expiresAt: at(30) });
    const forever = manual({ service, env: 'qa' });
    for (const lock of [due, later, forever]) expect(await repos().locks.acquire(lock)).toBe(true);
    expect(await repos().locks.list({ service, env: 'prod' })).toEqual([due]);
    const first = await Promise.all([
      repos().locks.removeExpired(at(10)),
      repos().locks.removeExpired(at(10)),
    ]);
    expect(first.flat().filter((l) => l.service === service)).toEqual([due]);
    expect((await repos().locks.list({ service })).map((l) => l.env)).toEqual(['staging', 'qa']);
    expect((await repos().locks.removeExpired(at(60))).filter((l) => l.service === service)).toEqual([later]);
    expect(await repos().locks.list({ service })).toEqual([forever]);
  });

  it('holds one global lock at a time', async () => {
    const reason = uid('all');
    const global = manual({ service: ALL_TARGETS, env: ALL_TARGETS, reason });
    expect(await repos().locks.acquire(global)).toBe(true);
    expect(await repos().locks.acquire({ ...global, reason: 'again' })).toBe(false);
    expect(await repos().locks.list({ service: ALL_TARGETS, env: ALL_TARGETS })).toEqual([global]);
    expect(await repos().locks.release(ALL_TARGETS, ALL_TARGETS, 'manual')).toBe(true);
  });
});
