import { expect, it } from 'vitest';
import type { AuditEntry } from '../../src/domain/model.js';
import { alice, at, bob, forEachBackend, uid } from './backends.js';

forEachBackend('AuditRepository', (repos) => {
  it('appends entries and finds them newest first by service, actor, deploy, since and limit', async () => {
    const service = uid('svc');
    const entry = (minute: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
      id: uid('A'),
      at: at(minute),
      actor: alice,
      action: 'deploy.requested',
      service,
      env: 'prod',
      ...over,
    });
    const e1 = entry(1, { deployId: 'D1', details: { attempt: 1, emergency: false, note: 'x' } });
    const e2 = entry(2, { actor: bob, action: 'deploy.approved', deployId: 'D1' });
    const e3 = entry(3, { env: 'staging', outcome: 'succeeded' });
    for (const e of [e2, e1, e3]) await repos().audit.append(e);
    await repos().audit.append(entry(4, { service: uid('other') }));
    expect(await repos().audit.find({ service, limit: 10 })).toEqual([e3, e2, e1]);
    expect(await repos().audit.find({ service, limit: 2 })).toEqual([e3, e2]);
    expect(await repos().audit.find({ service, actorId: bob.id, limit: 10 })).toEqual([e2]);
    expect(await repos().audit.find({ service, since: at(2), limit: 10 })).toEqual([e3, e2]);
    expect(await repos().audit.find({ service, env: 'prod', deployId: 'D1', limit: 10 })).toEqual([e2, e1]);
  });

  it('offers no way to change or remove an entry', () => {
    expect(Object.keys(repos().audit).sort()).toEqual(['append', 'find']);
  });
});

forEachBackend('SettingsRepository', (repos) => {
  it('stores and overwrites a value by key, dates included', async () => {
    const key = uid('maintenance');
    expect(await repos().settings.get(key)).toBeUndefined();
    await repos().settings.set(key, { on: true, since: at(1), reason: 'db upgrade' }, at(1));
    expect(await repos().settings.get(key)).toEqual({ on: true, since: at(1), reason: 'db upgrade' });
    await repos().settings.set(key, { on: false }, at(2));
    expect(await repos().settings.get(key)).toEqual({ on: false });
  });

  it('lets exactly one of two concurrent claims of a key win, until the claim expires or is cleared', async () => {
    const key = uid('github-delivery');
    const until = new Date(at(0).getTime() + 60_000);
    const answers = await Promise.all([
      repos().settings.claim(key, until, at(0)),
      repos().settings.claim(key, until, at(0)),
    ]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await repos().settings.get(key)).toEqual({ expiresAt: until.toISOString() });
    expect(await repos().settings.claim(key, until, new Date(at(0).getTime() + 30_000))).toBe(false);
    // Expired: the next claim wins again.
    expect(await repos().settings.claim(key, new Date(until.getTime() + 60_000), until)).toBe(true);
    await repos().settings.set(key, null, at(1));
    expect(await repos().settings.claim(key, until, at(0))).toBe(true);
  });
});

forEachBackend('LeaseRepository', (repos) => {
  it('lets one holder at a time take the lease until it expires', async () => {
    const name = uid('gateway');
    const taken = await repos().leases.acquire(name, 'A', 10_000, at(0));
    expect(taken).toEqual({
      name,
      holder: 'A',
      acquiredAt: at(0),
      expiresAt: new Date(at(0).getTime() + 10_000),
    });
    expect(
      await repos().leases.acquire(name, 'B', 10_000, new Date(at(0).getTime() + 5_000)),
    ).toBeUndefined();
    const renewed = await repos().leases.acquire(name, 'A', 10_000, new Date(at(0).getTime() + 8_000));
    expect(renewed).toEqual({
      name,
      holder: 'A',
      acquiredAt: at(0),
      expiresAt: new Date(at(0).getTime() + 18_000),
    });
    expect(
      await repos().leases.acquire(name, 'B', 10_000, new Date(at(0).getTime() + 17_000)),
    ).toBeUndefined();
    const takeover = await repos().leases.acquire(name, 'B', 10_000, at(1));
    expect(takeover).toEqual({
      name,
      holder: 'B',
      acquiredAt: at(1),
      expiresAt: new Date(at(1).getTime() + 10_000),
    });
    expect(await repos().leases.get(name)).toEqual(takeover);
  });

  it('is released only by its holder, and then free for anyone', async () => {
    const name = uid('gateway');
    await repos().leases.acquire(name, 'A', 10_000, at(0));
    expect(await repos().leases.release(name, 'B')).toBe(false);
    expect(await repos().leases.release(name, 'A')).toBe(true);
    expect(await repos().leases.get(name)).toBeUndefined();
    expect((await repos().leases.acquire(name, 'B', 10_000, at(0)))?.holder).toBe('B');
  });

  it('has one winner among concurrent takers of a free lease', async () => {
    const name = uid('gateway');
    const results = await Promise.all(
      ['A', 'B', 'C', 'D'].map((h) => repos().leases.acquire(name, h, 10_000, at(0))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
