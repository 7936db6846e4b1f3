import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useE2E } from './harness.js';
import { BotProcess } from './support/bot-process.js';
import { freePort } from './support/config-file.js';

const ROOT = join(import.meta.dirname, '..', '..');
const LEASE_TTL_MS = 4_000;
const e2e = useE2E({
  env: { INSTANCE_ID: 'bot-a' },
  config: (base) => ({ ...base, freezeWindows: [], gateway: { leaseTtl: '4s', renewEvery: '1s' } }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Samples the gateway's open sessions until `done()` (bounded); returns the most seen at once. */
async function watchConnections(open: () => number, done: () => boolean, timeoutMs: number): Promise<number> {
  let most = 0;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    most = Math.max(most, open());
    if (done()) return most;
    await sleep(50);
  }
  throw new Error(`not done within ${timeoutMs} ms (most open sessions seen: ${most})`);
}

async function leaderOnHealth(timeoutMs = 15_000): Promise<string> {
  const reply = await e2e().discord.runCommand('carol', 'health').response({ timeoutMs });
  return reply.embeds[0]?.fields?.find((f) => f.name === 'Leader')?.value ?? '';
}

/** Until bot-a (the harness's instance) holds the gateway and says so on /health (bounded). */
async function untilBotALeads(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (e2e().discord.gatewayConnections().open === 1) {
      const leader = await leaderOnHealth(3_000).catch(() => '');
      if (/`bot-a` \(leader\)/.test(leader)) return;
    }
    await sleep(200);
  }
  throw new Error(`bot-a did not lead again within ${timeoutMs} ms`);
}

/** A new gateway session since `identified` and exactly one open: someone took the gateway (bounded). */
const tookOver = (identified: number) => () =>
  e2e().discord.gatewayConnections().totalIdentified > identified &&
  e2e().discord.gatewayConnections().open === 1;

/**
 * Starts a second instance, bot-b, next to the harness's bot-a. When the test ends it is stopped if still
 * running, and bot-a is waited for to hold the gateway again: each test finds bot-a leading, bot-b gone.
 */
async function startSecond(): Promise<BotProcess> {
  const { env } = e2e();
  const second = new BotProcess({
    cwd: ROOT,
    env: { ...env, INSTANCE_ID: 'bot-b', PORT: String(await freePort()) },
    entry: 'src/main.ts',
  });
  onTestFinished(async () => {
    if (!second.running) return;
    await second.stop(10_000);
    await untilBotALeads(30_000);
  }, 45_000);
  return second;
}

describe('one gateway connection across instances (real processes)', () => {
  it('a second instance started later takes over (blue/green) while only one session is ever open', async () => {
    const { discord } = e2e();
    expect(discord.gatewayConnections().open).toBe(1);
    const identified = discord.gatewayConnections().totalIdentified;
    await startSecond();
    const most = await watchConnections(
      () => discord.gatewayConnections().open,
      tookOver(identified),
      30_000,
    );
    expect(most).toBe(1);
    await sleep(2_000); // a few more renewals: the old leader must stay down
    expect(discord.gatewayConnections()).toMatchObject({ open: 1, totalIdentified: identified + 1 });
    expect(await leaderOnHealth()).toMatch(/`bot-b` \(leader\)/);
  });

  it('when the leader is killed, the standby connects within the lease time and answers /health', async () => {
    const { discord } = e2e();
    // A leader of its own to kill: bot-b takes over from the harness's bot-a, which stays as the standby.
    const before = discord.gatewayConnections().totalIdentified;
    const second = await startSecond();
    await watchConnections(() => discord.gatewayConnections().open, tookOver(before), 30_000);
    expect(await leaderOnHealth()).toMatch(/`bot-b` \(leader\)/);
    const identified = discord.gatewayConnections().totalIdentified;
    second.kill('SIGKILL');
    await second.exited;
    // Bounded by the lease time, plus a renewal tick and the login itself.
    const most = await watchConnections(
      () => discord.gatewayConnections().open,
      tookOver(identified),
      LEASE_TTL_MS + 10_000,
    );
    expect(most).toBeLessThanOrEqual(1);
    expect(await leaderOnHealth()).toMatch(/`bot-a` \(leader\)/);
  });

  it('SIGTERM during an in-flight command: the answer is still sent, and the process exits 0', async () => {
    const { discord, github, bot } = e2e();
    // A 502 on resolving the ref keeps the handler busy for the adapter's retry back-off.
    github.failNextRequest({ method: 'GET', path: /\/repos\/example-org\/web\/commits\/main$/ }, 502);
    const handle = discord.runCommand('alice', 'deploy', { service: 'web', env: 'staging' });
    await handle.acknowledged({ timeoutMs: 10_000 });
    bot.kill('SIGTERM');
    const reply = await handle.response({ timeoutMs: 10_000 });
    expect(reply.content).toMatch(/Dispatched web → staging/);
    // The shutdown bound of SPEC §9 (exit within 10 s), not a speed target.
    const code = await Promise.race([bot.exited, sleep(10_000).then(() => 'still running' as const)]);
    expect(code).toBe(0);
  });
});
