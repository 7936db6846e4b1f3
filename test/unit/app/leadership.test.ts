import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryRepositories } from '../../../src/adapters/memory/repositories.js';
import {
  GATEWAY_LEASE,
  GatewayLeadership,
  type GatewayControl,
  type LeadershipTimers,
} from '../../../src/app/leadership.js';
import { ManualClock } from '../../../src/domain/clock.js';

const TTL = 15_000;

/** Timers driven by the manual clock: `advance` moves time and fires what falls due, in order. */
class FakeTime implements LeadershipTimers {
  readonly clock = new ManualClock('2026-11-23T10:00:00Z');
  #next = 0;
  readonly #due = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): number {
    this.#next += 1;
    this.#due.set(this.#next, { at: this.clock.now().getTime() + ms, callback });
    return this.#next;
  }

  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  async advance(ms: number): Promise<void> {
    const until = this.clock.now().getTime() + ms;
    for (;;) {
      const [id, timer] = [...this.#due].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || !timer || timer.at > until) break;
      this.#due.delete(id);
      this.clock.set(new Date(timer.at));
      timer.callback();
      await settle();
    }
    this.clock.set(new Date(until));
    await settle();
  }
}

/** Lets pending promise callbacks run (the fakes answer at once). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

function fakeGateway(
  connections: { open: number; max: number },
  closed?: { clock: ManualClock; at: Date[] },
): GatewayControl & { connected: boolean } {
  const gateway = {
    connected: false,
    connect() {
      if (!gateway.connected) {
        gateway.connected = true;
        connections.open += 1;
        connections.max = Math.max(connections.max, connections.open);
      }
      return Promise.resolve();
    },
    disconnect() {
      if (gateway.connected) {
        gateway.connected = false;
        connections.open -= 1;
        closed?.at.push(closed.clock.now());
      }
      return Promise.resolve();
    },
  };
  return gateway;
}

function instance(id: string, startedAt: Date, shared: ReturnType<typeof setup>, time?: FakeTime) {
  const gateway = fakeGateway(shared.connections, time && { clock: time.clock, at: shared.closedAt });
  const leadership = new GatewayLeadership({
    instanceId: id,
    startedAt,
    leases: shared.repos.leases,
    settings: shared.repos.settings,
    gateway,
    clock: shared.clock,
    log: pino({ level: 'silent' }),
    ttlMs: TTL,
    ...(time ? { timers: time } : {}),
  });
  return { leadership, gateway };
}

function setup(clock = new ManualClock('2026-11-23T10:00:00Z')) {
  return {
    repos: createMemoryRepositories(),
    clock,
    connections: { open: 0, max: 0 },
    /** When each gateway session closed (instances given a FakeTime only). */
    closedAt: [] as Date[],
  };
}

/** One tick, waited for only as long as fakes take: a tick stuck on a hung call is left running. */
async function tick(leadership: GatewayLeadership): Promise<void> {
  await Promise.race([leadership.tick(), settle()]);
}

/**
 * Calls that do not answer, as on a MongoDB paused mid-request, until `fail()` ends them the way the
 * driver's socket timeout would; `started()` counts them.
 */
function hanging() {
  const pending: ((error: Error) => void)[] = [];
  let started = 0;
  return {
    call: <T>(): Promise<T> => {
      started += 1;
      return new Promise<T>((_resolve, reject) => pending.push(reject));
    },
    started: () => started,
    fail: () => {
      for (const reject of pending.splice(0)) {
        reject(Object.assign(new Error('connection timed out'), { name: 'MongoNetworkTimeoutError' }));
      }
    },
  };
}

describe('single gateway leadership', () => {
  it('lets exactly one of two instances hold the gateway, and the other take over when it dies', async () => {
    const shared = setup();
    const a = instance('a', shared.clock.now(), shared);
    const b = instance('b', shared.clock.now(), shared); // same start: no handover request
    await a.leadership.tick();
    await b.leadership.tick();
    expect([a.leadership.role, b.leadership.role]).toEqual(['leader', 'standby']);
    expect(shared.connections.open).toBe(1);

    for (let i = 0; i < 5; i += 1) {
      shared.clock.advance(3_000);
      await a.leadership.tick();
      await b.leadership.tick();
    }
    expect(b.leadership.role).toBe('standby');

    // a dies (stops ticking, keeps its connection as far as the lease knows): b waits out the lease.
    await a.gateway.disconnect();
    shared.clock.advance(TTL - 1_000);
    await b.leadership.tick();
    expect(b.leadership.role).toBe('standby');
    shared.clock.advance(2_000);
    await b.leadership.tick();
    expect(b.leadership.role).toBe('leader');
    expect(shared.connections).toEqual({ open: 1, max: 1 });
  });

  it('hands over to a newer instance (blue/green): the old one stands down first', async () => {
    const shared = setup();
    const blue = instance('blue', shared.clock.now(), shared);
    await blue.leadership.tick();
    for (let i = 0; i < 20; i += 1) {
      shared.clock.advance(3_000);
      await blue.leadership.tick();
    }
    const green = instance('green', shared.clock.now(), shared);
    await green.leadership.tick(); // asks for the handover
    expect(green.leadership.role).toBe('standby');
    shared.clock.advance(3_000);
    await blue.leadership.tick(); // sees it, disconnects and frees the lease
    expect(blue.leadership.role).toBe('standby');
    expect(shared.connections.open).toBe(0);
    shared.clock.advance(1_000);
    await blue.leadership.tick(); // ticks again before green: it must not take the freed lease back
    expect(blue.leadership.role).toBe('standby');
    await green.leadership.tick();
    expect(green.leadership.role).toBe('leader');
    shared.clock.advance(3_000);
    await blue.leadership.tick();
    expect(blue.leadership.role).toBe('standby');
    expect(shared.connections).toEqual({ open: 1, max: 1 });
  });

  it('ignores a handover request whose asker never came (after one lease time)', async () => {
    const shared = setup();
    const blue = instance('blue', shared.clock.now(), shared);
    await blue.leadership.tick();
    shared.clock.advance(3_000);
    const green = instance('green', shared.clock.now(), shared);
    await green.leadership.tick(); // asks, then dies
    await blue.leadership.tick(); // stands down for it
    for (let i = 0; i < 6; i += 1) {
      shared.clock.advance(3_000);
      await blue.leadership.tick();
    }
    expect(blue.leadership.role).toBe('leader');
    expect(shared.connections.max).toBe(1);
  });

  it('frees the lease on a graceful stop so the standby leads at its next tick', async () => {
    const shared = setup();
    const a = instance('a', shared.clock.now(), shared);
    const b = instance('b', shared.clock.now(), shared);
    await a.leadership.tick();
    await b.leadership.tick();
    await a.leadership.stop();
    await b.leadership.tick();
    expect(b.leadership.role).toBe('leader');
    expect(shared.connections.max).toBe(1);
  });

  it('fences itself: a leader whose renewals fail disconnects before its lease could expire', async () => {
    const time = new FakeTime();
    const shared = setup(time.clock);
    const a = instance('a', time.clock.now(), shared, time);
    await tick(a.leadership);
    const expiresAt = (await shared.repos.leases.get(GATEWAY_LEASE))?.expiresAt;
    shared.repos.leases.acquire = () => Promise.reject(new Error('MongoNetworkError: down'));
    for (let i = 0; i < 4; i += 1) {
      await time.advance(3_000);
      await tick(a.leadership);
    }
    expect(a.leadership.role).toBe('standby');
    expect(shared.connections.open).toBe(0);
    expect(shared.closedAt[0]?.getTime()).toBeLessThan(expiresAt?.getTime() ?? 0);
  });

  it('fences itself when the renewal hangs, and takes the lease back once MongoDB answers', async () => {
    const time = new FakeTime();
    const shared = setup(time.clock);
    const a = instance('a', time.clock.now(), shared, time);
    await tick(a.leadership);
    await time.advance(3_000);
    await tick(a.leadership); // renewed at +3 s: the lease now runs to +18 s
    const expiresAt = (await shared.repos.leases.get(GATEWAY_LEASE))?.expiresAt;
    const { leases, settings } = shared.repos;
    const [acquire, get, getSetting] = [
      leases.acquire.bind(leases),
      leases.get.bind(leases),
      settings.get.bind(settings),
    ];
    const stall = hanging();
    shared.repos.leases.acquire = stall.call;
    shared.repos.leases.get = stall.call;
    shared.repos.settings.get = stall.call;
    for (let i = 0; i < 5; i += 1) {
      await time.advance(3_000);
      await tick(a.leadership); // skipped while the first hung renewal is pending, until the fence
    }
    expect(stall.started()).toBeGreaterThan(0);
    expect(a.leadership.role).toBe('standby');
    expect(shared.connections).toMatchObject({ open: 0 });
    expect(shared.closedAt[0]?.getTime()).toBeLessThan(expiresAt?.getTime() ?? 0);

    // MongoDB answers again (the stalled calls fail on their timeout); the lease is still ours.
    stall.fail();
    Object.assign(shared.repos.leases, { acquire, get });
    shared.repos.settings.get = getSetting;
    await time.advance(3_000);
    await tick(a.leadership);
    expect(a.leadership.role).toBe('leader');
    expect(shared.connections).toMatchObject({ open: 1, max: 1 });
    // And it stays leader, renewing: no second fence.
    for (let i = 0; i < 10; i += 1) {
      await time.advance(3_000);
      await tick(a.leadership);
    }
    expect(a.leadership.role).toBe('leader');
    expect(shared.closedAt).toHaveLength(1);
  });

  it('after fencing, leaves a lease another instance took in the meantime to it', async () => {
    const time = new FakeTime();
    const shared = setup(time.clock);
    const a = instance('a', time.clock.now(), shared, time);
    const b = instance('b', time.clock.now(), shared, time);
    await tick(a.leadership);
    await tick(b.leadership);
    const stall = hanging();
    const acquire = shared.repos.leases.acquire.bind(shared.repos.leases);
    shared.repos.leases.acquire = (name, holder, ttl, now) =>
      holder === 'a' ? stall.call() : acquire(name, holder, ttl, now); // only a's link to MongoDB stalls
    for (let i = 0; i < 7; i += 1) {
      await time.advance(3_000);
      await tick(a.leadership);
      await tick(b.leadership);
    }
    expect([a.leadership.role, b.leadership.role]).toEqual(['standby', 'leader']);
    shared.repos.leases.acquire = acquire;
    await time.advance(3_000);
    await tick(a.leadership);
    expect(a.leadership.role).toBe('standby');
    expect(shared.connections).toMatchObject({ open: 1, max: 1 });
  });

  it('a renewal that answers after the fence does not bring the old session back by itself', async () => {
    const time = new FakeTime();
    const shared = setup(time.clock);
    const a = instance('a', time.clock.now(), shared, time);
    await tick(a.leadership);
    const acquire = shared.repos.leases.acquire.bind(shared.repos.leases);
    let answer: () => void = () => undefined;
    shared.repos.leases.acquire = (name, holder, ttl, now) =>
      new Promise((resolve) => {
        answer = () => void acquire(name, holder, ttl, now).then(resolve);
      });
    await time.advance(3_000);
    const slow = a.leadership.tick();
    await time.advance(12_000); // past the fence at 80 % of 15 s
    expect(a.leadership.role).toBe('standby');
    answer();
    await slow;
    await settle();
    expect(a.leadership.role).toBe('standby');
    expect(shared.connections.open).toBe(0);
  });
});
