/**
 * Defect 12 figure for `npm run bench`: how long the guild has no gateway session while the gateway
 * changes hands (blue/green handover, then a graceful stop). Two leaderships in one process share the
 * leases, each with the real discord.js gateway client against the local Discord server; the gap is read
 * from the server's open-session count, sampled every millisecond. Loopback only; every wait is bounded.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createGateway, type DiscordGateway } from '../../src/adapters/discord/gateway.js';
import { createMemoryRepositories } from '../../src/adapters/memory/repositories.js';
import { GatewayLeadership, LEASE_WATCH_MS } from '../../src/app/leadership.js';
import { systemClock } from '../../src/domain/clock.js';
import { startLocalDiscord, type LocalDiscord } from '../../src/sandbox/discord/index.js';

const OPTIONS = {
  appId: '1100000000000000001',
  botToken: 'bench-bot-token',
  guild: {
    id: '1200000000000000001',
    name: 'Release Ops',
    channelId: '1300000000000000001',
    roles: { r4: '1400000000000000004', r5: '1400000000000000005' },
  },
};
const LEASE_TTL_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Instance {
  leadership: GatewayLeadership;
  gateway: DiscordGateway;
}

async function instance(
  id: string,
  startedAt: Date,
  discord: LocalDiscord,
  repos: ReturnType<typeof createMemoryRepositories>,
): Promise<Instance> {
  const log = pino({ level: 'silent' });
  const gateway = createGateway({
    rest: { token: OPTIONS.botToken, api: discord.apiUrl },
    onInteraction: () => Promise.resolve(),
    log,
  });
  const leadership = new GatewayLeadership({
    instanceId: id,
    startedAt,
    leases: repos.leases,
    settings: repos.settings,
    gateway,
    clock: systemClock,
    log,
    ttlMs: LEASE_TTL_MS,
  });
  // As main() does: ready for a session before asking for the lease, then watching.
  await gateway.prepare();
  await leadership.tick();
  leadership.watch(LEASE_WATCH_MS);
  return { leadership, gateway };
}

/** Samples the open sessions until one is back after having been none: the gap in ms (bounded). */
async function gapWhile(discord: LocalDiscord, change: () => Promise<void>): Promise<number> {
  let downAt: number | undefined;
  let upAt: number | undefined;
  let sawOne = false;
  const watching = (async () => {
    const until = performance.now() + 20_000;
    while (performance.now() < until) {
      const open = discord.gatewayConnections().open;
      const now = performance.now();
      if (open === 0 && downAt === undefined) downAt = now;
      if (open >= 1 && downAt !== undefined) {
        upAt = now;
        return;
      }
      if (open >= 1) sawOne = true;
      await sleep(1);
    }
  })();
  await change();
  await watching;
  if (downAt === undefined || upAt === undefined)
    throw new Error(`no change-over seen (a session before: ${sawOne})`);
  return upAt - downAt;
}

async function waitForOpen(discord: LocalDiscord, count: number): Promise<void> {
  for (let i = 0; i < 2_000 && discord.gatewayConnections().open !== count; i += 1) await sleep(5);
}

export async function measureHandover(rounds = 5): Promise<{ blueGreen: number[]; stop: number[] }> {
  const discord = await startLocalDiscord(OPTIONS);
  const blueGreen: number[] = [];
  const stop: number[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      const repos = createMemoryRepositories();
      const old = await instance('old', new Date(Date.now() - 60_000), discord, repos);
      await waitForOpen(discord, 1);
      let fresh: Instance | undefined;
      blueGreen.push(
        await gapWhile(discord, async () => {
          fresh = await instance('new', new Date(), discord, repos);
        }),
      );
      // The graceful stop of the new leader (as on SIGTERM): the old one, now standby, takes over.
      stop.push(
        await gapWhile(discord, async () => {
          fresh?.gateway.stopAccepting();
          await fresh?.gateway.drain(1_000);
          await fresh?.leadership.stop();
        }),
      );
      await old.leadership.stop();
      await waitForOpen(discord, 0);
    }
  } finally {
    await discord.close();
  }
  return { blueGreen, stop };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { blueGreen, stop } = await measureHandover();
  const show = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
  console.log(`gateway gap, blue/green (ms): ${show(blueGreen)}`);
  console.log(`gateway gap, graceful stop (ms): ${show(stop)}`);
}
