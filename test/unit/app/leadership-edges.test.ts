import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryRepositories } from '../../../src/adapters/memory/repositories.js';
import {
  GATEWAY_LEASE,
  GatewayLeadership,
  HANDOVER_KEY,
  type GatewayControl,
  type LeadershipTimers,
  type Role,
} from '../../../src/app/leadership.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Lease } from '../../../src/domain/model.js';
import { replaceMethod, type MethodKey } from '../../helpers/interpose.js';

/**
 * The single gateway (SPEC §9) when MongoDB answers late: an answer to a tick that was given up on (or to a
 * renewal the fencing overtook) must not change the role any more. And a stopped instance looks no more.
 */
const TTL = 15_000;

/** Timers fired by hand: `fire()` runs those pending now (not the ones they set). */
class HandTimers implements LeadershipTimers {
  readonly pending = new Map<number, () => void>();
  #next = 0;
  setTimeout(callback: () => void): number {
    this.#next += 1;
    this.pending.set(this.#next, callback);
    return this.#next;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const callback of due) callback();
  }
}

/** A call that answers only when the test says so. */
function hung<T>(): { promise: Promise<T>; answer: (value: T) => void } {
  let answer: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    answer = resolve;
  });
  return { promise, answer };
}

/** Bounded wait for the in-memory repositories' answers (each a setImmediate away). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i += 1) await new Promise((resolve) => setImmediate(resolve));
  expect(done()).toBe(true);
}

/** Lets every answer already due run (a look's end, its `finally`). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

function world() {
  const repos = createMemoryRepositories();
  const clock = new ManualClock('2026-11-23T10:00:00Z');
  const timers = new HandTimers();
  const gateway = { connects: 0, disconnects: 0 };
  const roles: Role[] = [];
  const control: GatewayControl = {
    connect: () => Promise.resolve(void (gateway.connects += 1)),
    disconnect: () => Promise.resolve(void (gateway.disconnects += 1)),
  };
  const leadership = new GatewayLeadership({
    instanceId: 'a',
    startedAt: clock.now(),
    leases: repos.leases,
    settings: repos.settings,
    gateway: control,
    clock,
    log: pino({ level: 'silent' }),
    ttlMs: TTL,
    timers,
    onRoleChange: (role) => roles.push(role),
  });
  return { repos, clock, timers, gateway, control, roles, leadership };
}

/** The first call of `name` hangs (until answered); later calls go through. */
function hangFirst<T extends object>(object: T, name: MethodKey<T>) {
  const first = hung<unknown>();
  let calls = 0;
  replaceMethod(object, name, (original) => {
    const call = original as (...args: unknown[]) => Promise<unknown>;
    return ((...args: unknown[]) => (++calls === 1 ? first.promise : call(...args))) as T[MethodKey<T>];
  });
  return { answer: first.answer, calls: () => calls };
}

describe('a tick still waiting on MongoDB after a whole lease is given up on', () => {
  it('the next tick leads; the late answer (a handover request) does not send it back to standby', async () => {
    const { repos, clock, gateway, roles, leadership } = world();
    const settings = hangFirst(repos.settings, 'get');
    const stalled = leadership.tick();
    await until(() => settings.calls() === 1);

    clock.advance(TTL + 1);
    await leadership.tick();
    expect(leadership.role).toBe('leader');

    settings.answer({
      wantedBy: 'b',
      startedAt: clock.now().toISOString(),
      requestedAt: clock.now().toISOString(),
    });
    await stalled;

    expect(leadership.role).toBe('leader');
    expect(roles).toEqual(['leader']);
    expect(gateway).toEqual({ connects: 1, disconnects: 0 });
  });

  it('the late lease of the given-up tick does not connect the gateway a second time', async () => {
    const { repos, clock, gateway, leadership } = world();
    const acquire = hangFirst(repos.leases, 'acquire');
    const stalled = leadership.tick();
    await until(() => acquire.calls() === 1);

    clock.advance(TTL + 1);
    await leadership.tick();
    const lease = await repos.leases.get(GATEWAY_LEASE);
    acquire.answer(lease);
    await stalled;

    expect(leadership.role).toBe('leader');
    expect(gateway).toEqual({ connects: 1, disconnects: 0 });
  });
});

describe('a renewal the fencing overtook', () => {
  it('its late "lease lost" does not disconnect the leader that took the lease back since', async () => {
    const { repos, timers, gateway, roles, leadership } = world();
    await leadership.tick();
    const acquire = hangFirst(repos.leases, 'acquire');
    const stalled = leadership.tick(); // the renewal hangs on a stalled MongoDB
    await until(() => acquire.calls() === 1);

    timers.fire(); // the fence: no renewal within 80 % of the lease
    await until(() => gateway.disconnects === 1);
    expect(leadership.role).toBe('standby');
    await leadership.tick(); // MongoDB answers again: the lease, still ours, is taken back
    expect(leadership.role).toBe('leader');

    acquire.answer(undefined as Lease | undefined);
    await stalled;

    expect(roles).toEqual(['leader', 'standby', 'leader']);
    expect(gateway).toEqual({ connects: 2, disconnects: 1 });
  });

  it('a gateway that connects only after the fence fell due is closed at once; the next tick leads again', async () => {
    const { timers, gateway, control, roles, leadership } = world();
    const connecting = hung<undefined>();
    let asked = false;
    replaceMethod(control, 'connect', (connect) => () => {
      asked = true;
      return connecting.promise.then(connect);
    });
    const starting = leadership.tick();
    await until(() => asked);
    timers.fire(); // Discord is slow to answer: the fence timer the lease armed falls due meanwhile

    connecting.answer(undefined);
    await starting;

    // No leader on a lease it cannot vouch for: the session that opened late is closed, nothing is fenced twice.
    expect(roles).toEqual(['standby']);
    expect(gateway).toEqual({ connects: 1, disconnects: 1 });
    await leadership.tick(); // the lease is still ours: taken back, and connected afresh
    expect(roles).toEqual(['standby', 'leader']);
    expect(gateway).toEqual({ connects: 2, disconnects: 1 });
    timers.fire(); // the fence armed by that renewal, with no renewal since: it fences the leader now
    await until(() => gateway.disconnects === 2);
    expect(leadership.role).toBe('standby');
  });

  it('a connect that ends before the fence falls due leads as usual', async () => {
    const { gateway, roles, leadership, timers } = world();
    await leadership.tick();
    expect(roles).toEqual(['leader']);
    expect(gateway).toEqual({ connects: 1, disconnects: 0 });
    expect(timers.pending.size).toBe(1); // the fence, armed by the renewal the lease was taken with
  });
});

describe('the watch between ticks', () => {
  it('a look while a tick is in flight reads nothing and looks again later', async () => {
    const { repos, timers, leadership } = world();
    const acquire = hangFirst(repos.leases, 'acquire');
    let reads = 0;
    replaceMethod(repos.leases, 'get', (get) => (name) => {
      reads += 1;
      return get(name);
    });
    const stalled = leadership.tick();
    await until(() => acquire.calls() === 1);
    leadership.watch(100);

    timers.fire();
    await until(() => timers.pending.size === 1);

    expect(reads).toBe(0);
    acquire.answer(undefined);
    await stalled;
  });

  it('stops looking once stopped, even when stopped during a look', async () => {
    const { repos, timers, leadership } = world();
    const get = hangFirst(repos.leases, 'get');
    leadership.watch(100);
    timers.fire(); // a look starts and waits on MongoDB
    await until(() => get.calls() === 1);

    await leadership.stop();
    get.answer(undefined);
    await flush();
    leadership.watch(100);

    expect(timers.pending.size).toBe(0);
    expect(leadership.role).toBe('starting');
    expect(await repos.settings.get(HANDOVER_KEY)).toBeUndefined();
  });
});
