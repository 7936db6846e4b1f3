import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryRepositories } from '../../../src/adapters/memory/repositories.js';
import {
  GATEWAY_LEASE,
  GatewayLeadership,
  HANDOVER_KEY,
  type GatewayControl,
} from '../../../src/app/leadership.js';
import { systemClock } from '../../../src/domain/clock.js';

// Defect 12: a standby watches for the lease being freed, and the leader for a handover request, between
// the (seconds apart) renewal ticks. No tick is called by hand after the start in these tests: only the
// watch can make the change-over happen.
const TTL = 60_000;
const WATCH_MS = 10;

const running: GatewayLeadership[] = [];
afterEach(async () => {
  for (const leadership of running.splice(0)) await leadership.stop();
});

function gatewayLog(): GatewayControl & { events: string[]; open: number; most: number } {
  const gateway = {
    events: [] as string[],
    open: 0,
    most: 0,
    connect() {
      gateway.open += 1;
      gateway.most = Math.max(gateway.most, gateway.open);
      gateway.events.push('connect');
      return Promise.resolve();
    },
    disconnect() {
      gateway.open -= 1;
      gateway.events.push('disconnect');
      return Promise.resolve();
    },
  };
  return gateway;
}

function instance(
  id: string,
  startedAt: Date,
  repos: ReturnType<typeof createMemoryRepositories>,
  gateway: GatewayControl,
) {
  const leadership = new GatewayLeadership({
    instanceId: id,
    startedAt,
    leases: repos.leases,
    settings: repos.settings,
    gateway,
    clock: systemClock,
    log: pino({ level: 'silent' }),
    ttlMs: TTL,
  });
  running.push(leadership);
  return leadership;
}

// Bounded well below the 60 s lease (which, with no tick called, only a look can beat), and well above what
// a loaded machine needs: this is no speed check (the gap is measured in the bench).
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i += 1) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${what} did not happen within 10 s`);
}

describe('defect 12: the change-over waits for a look, not for a renewal tick or the lease expiry', () => {
  it('blue/green: the leader hands over at its next look, and the newer instance connects at its own', async () => {
    const repos = createMemoryRepositories();
    const gateway = gatewayLog();
    const old = instance('old', new Date(Date.now() - 60_000), repos, gateway);
    await old.tick();
    expect(old.role).toBe('leader');
    // Started after the leader took office. A `new Date()` taken at once can fall in the same millisecond
    // as the lease was taken, and an instance that is not newer rightly asks for nothing.
    const term = await repos.leases.get(GATEWAY_LEASE);
    const fresh = instance('new', new Date((term?.acquiredAt.getTime() ?? Date.now()) + 1), repos, gateway);
    await fresh.tick(); // finds the lease held and asks for a handover
    expect(fresh.role).toBe('standby');
    old.watch(WATCH_MS);
    fresh.watch(WATCH_MS);
    await until(() => fresh.role === 'leader', 'the handover');
    expect(old.role).toBe('standby');
    expect(gateway.events).toEqual(['connect', 'disconnect', 'connect']);
    expect(gateway.most).toBe(1);
    expect(await repos.settings.get(HANDOVER_KEY)).toBeNull();
  });

  it('SIGTERM: once the leader frees the lease, a watching standby takes it long before it would expire', async () => {
    const repos = createMemoryRepositories();
    const gateway = gatewayLog();
    const started = new Date();
    const leader = instance('a', started, repos, gateway);
    const standby = instance('b', started, repos, gateway); // same start: no handover asked
    await leader.tick();
    await standby.tick();
    standby.watch(WATCH_MS);
    await new Promise((resolve) => setTimeout(resolve, 5 * WATCH_MS));
    expect(standby.role).toBe('standby'); // the lease is held and live: the looks leave it alone
    await leader.stop();
    await until(() => standby.role === 'leader', 'the takeover');
    expect(gateway.most).toBe(1);
  });

  it('a leader ignores a handover asked by an instance older than its term, and renews nothing extra', async () => {
    const repos = createMemoryRepositories();
    const gateway = gatewayLog();
    const leader = instance('a', new Date(), repos, gateway);
    await leader.tick();
    let acquires = 0;
    const acquire = repos.leases.acquire.bind(repos.leases);
    repos.leases.acquire = (...args) => {
      acquires += 1;
      return acquire(...args);
    };
    const old = new Date(Date.now() - 3_600_000).toISOString();
    await repos.settings.set(HANDOVER_KEY, { wantedBy: 'z', startedAt: old, requestedAt: old }, new Date());
    leader.watch(WATCH_MS);
    await new Promise((resolve) => setTimeout(resolve, 8 * WATCH_MS));
    expect(leader.role).toBe('leader');
    expect(acquires).toBe(0);
  });

  it('a look that fails (MongoDB away) is logged and the watch goes on', async () => {
    const repos = createMemoryRepositories();
    const gateway = gatewayLog();
    const started = new Date();
    const leader = instance('a', started, repos, gateway);
    const standby = instance('b', started, repos, gateway);
    await leader.tick();
    await standby.tick();
    const get = repos.leases.get.bind(repos.leases);
    let failures = 2;
    repos.leases.get = (name) =>
      failures-- > 0 ? Promise.reject(new Error('MongoDB unavailable')) : get(name);
    standby.watch(WATCH_MS);
    await leader.stop();
    await until(() => standby.role === 'leader', 'the takeover after failed looks');
    expect(failures).toBeLessThan(0);
  });
});
