import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryRepositories } from '../../../src/adapters/memory/repositories.js';
import { GatewayLeadership, type GatewayControl } from '../../../src/app/leadership.js';
import { ManualClock } from '../../../src/domain/clock.js';

const TTL = 15_000;

function fakeGateway(connections: { open: number; max: number }): GatewayControl & { connected: boolean } {
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
      }
      return Promise.resolve();
    },
  };
  return gateway;
}

function instance(id: string, startedAt: Date, shared: ReturnType<typeof setup>) {
  const gateway = fakeGateway(shared.connections);
  const leadership = new GatewayLeadership({
    instanceId: id,
    startedAt,
    leases: shared.repos.leases,
    settings: shared.repos.settings,
    gateway,
    clock: shared.clock,
    log: pino({ level: 'silent' }),
    ttlMs: TTL,
  });
  return { leadership, gateway };
}

function setup() {
  return {
    repos: createMemoryRepositories(),
    clock: new ManualClock('2026-11-23T10:00:00Z'),
    connections: { open: 0, max: 0 },
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

  it('fences itself: a leader that cannot renew disconnects before its lease could expire', async () => {
    const shared = setup();
    const a = instance('a', shared.clock.now(), shared);
    await a.leadership.tick();
    shared.repos.leases.acquire = () => Promise.reject(new Error('MongoNetworkError: down'));
    shared.clock.advance(TTL * 0.9);
    await a.leadership.tick();
    expect(a.leadership.role).toBe('standby');
    expect(shared.connections.open).toBe(0);
  });
});
