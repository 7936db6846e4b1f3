import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryRepositories } from '../../../src/adapters/memory/repositories.js';
import { GatewayLeadership, type Role } from '../../../src/app/leadership.js';
import { ManualClock } from '../../../src/domain/clock.js';

/** The single gateway (SPEC §9) when the lease is lost, MongoDB hiccups, or the instance is stopping. */
const TTL = 15_000;

function world() {
  const repos = createMemoryRepositories();
  const clock = new ManualClock('2026-11-23T10:00:00Z');
  const connected = new Set<string>();
  const instance = (id: string) => {
    const roles: Role[] = [];
    const leadership = new GatewayLeadership({
      instanceId: id,
      startedAt: clock.now(),
      leases: repos.leases,
      settings: repos.settings,
      gateway: {
        connect: () => Promise.resolve(void connected.add(id)),
        disconnect: () => Promise.resolve(void connected.delete(id)),
      },
      clock,
      log: pino({ level: 'silent' }),
      ttlMs: TTL,
      onRoleChange: (role) => roles.push(role),
    });
    return { leadership, roles };
  };
  return { repos, clock, connected, instance };
}

describe('gateway lease lost or unreachable', () => {
  it('a leader whose lease another instance took (it was paused past the lease) disconnects and stands by', async () => {
    const { clock, connected, instance } = world();
    const a = instance('a');
    const b = instance('b');
    await a.leadership.tick();
    expect(connected).toEqual(new Set(['a']));

    // a is paused (a long GC, a frozen VM) past its lease; b takes the gateway meanwhile.
    clock.advance(TTL + 1_000);
    await b.leadership.tick();
    expect(b.leadership.role).toBe('leader');

    await a.leadership.tick();
    expect(a.leadership.role).toBe('standby');
    expect(a.roles).toEqual(['leader', 'standby']);
    expect(connected).toEqual(new Set(['b']));
  });

  it('keeps the gateway through one failed renewal well inside the lease', async () => {
    const { repos, clock, connected, instance } = world();
    const a = instance('a');
    await a.leadership.tick();
    const acquire = repos.leases.acquire.bind(repos.leases);
    repos.leases.acquire = () => Promise.reject(new Error('MongoNetworkError: timed out'));
    clock.advance(3_000);
    await a.leadership.tick();
    expect(a.leadership.role).toBe('leader');
    expect(connected).toEqual(new Set(['a']));

    repos.leases.acquire = acquire;
    clock.advance(3_000);
    await a.leadership.tick();
    expect(a.leadership.role).toBe('leader');
    expect(a.roles).toEqual(['leader']);
  });

  it('takes no step once stopped: a stopped standby never connects, even with the lease free', async () => {
    const { connected, instance } = world();
    const a = instance('a');
    await a.leadership.stop();
    await a.leadership.tick();
    expect(a.leadership.role).toBe('starting');
    expect(connected.size).toBe(0);
  });
});
