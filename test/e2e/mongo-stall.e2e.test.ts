import type { Connection } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionHandle } from '../../src/sandbox/discord/index.js';
import { startE2E, type E2E } from './harness.js';
import {
  justRenewed,
  openDatabase,
  sleep,
  startPausableMongo,
  watchSessions,
  type PausableMongo,
} from './support/mongo-stall.js';

// SPEC §9, §13: a MongoDB that stops answering (here: its process paused with SIGSTOP) is bounded. People
// get an answer within Discord's 3 s, the leader drops its gateway session before its lease can expire,
// and once MongoDB answers again the bot takes the gateway back and deploys as before.
const STALL_MS = 20_000;
const LEASE_TTL_MS = 10_000;
const UNAVAILABLE = 'Release Console is temporarily unavailable (MongoDB), nothing was changed — try again';
const WEB = 'example-org/web';

let mongo: PausableMongo | undefined;
let whyNot: string | undefined;
let e2e: E2E | undefined;
let db: Connection | undefined;

beforeAll(async () => {
  const started = await startPausableMongo();
  if (typeof started === 'string') {
    whyNot = started;
    return;
  }
  mongo = started;
  e2e = await startE2E({
    mongoUri: mongo.uri,
    config: (base) => ({ ...base, freezeWindows: [], gateway: { leaseTtl: '10s', renewEvery: '2s' } }),
  });
  db = await openDatabase(e2e.env.MONGODB_URI ?? '');
}, 120_000);

afterAll(async () => {
  mongo?.resume();
  await db?.close();
  await e2e?.stop();
  await mongo?.stop();
}, 40_000);

afterEach((context) => {
  if (e2e && context.task.result?.state === 'fail') {
    process.stderr.write(`\n--- bot output (last lines) ---\n${e2e.bot.tail(120)}\n`);
  }
});

/** Sends, and resolves with what the person saw and how long after sending they saw it. */
async function answered(send: () => InteractionHandle): Promise<{ ms: number; content: string }> {
  const sent = Date.now();
  const reply = await send().response({ timeoutMs: 15_000 });
  return { ms: Date.now() - sent, content: reply.content };
}

describe('a MongoDB stall is bounded (real bot process, its own paused MongoDB)', () => {
  it('answers within 3 s, fences the gateway before the lease expires, and recovers after', async (context) => {
    if (!mongo || !e2e || !db) {
      context.skip(`cannot pause a MongoDB here: ${whyNot ?? 'it did not start'}`);
      return;
    }
    const { discord, github } = e2e;
    expect((await answered(() => discord.runCommand('carol', 'health'))).ms).toBeLessThan(15_000);
    const identified = discord.gatewayConnections().totalIdentified;
    const sessions = watchSessions(discord);

    const leaseExpiresAt = await justRenewed(db);
    mongo.pause();
    const pausedAt = Date.now();
    let probes: { ms: number; content: string }[];
    let closedAt: number;
    try {
      await sleep(300);
      probes = await Promise.all([
        answered(() => discord.runCommand('alice', 'deploy', { service: 'web', env: 'staging' })),
        answered(() => discord.runCommand('bob', 'history', { service: 'web' })),
        answered(() => discord.runCommand('carol', 'health')),
      ]);
      closedAt = await sessions.until((open) => open === 0, LEASE_TTL_MS + 5_000);
      await sleep(Math.max(0, pausedAt + STALL_MS - Date.now()));
    } finally {
      mongo.resume();
    }

    // Every interaction was answered within Discord's 3 s; the ones that need MongoDB said so.
    for (const probe of probes) expect(probe.ms).toBeLessThan(3_000);
    expect(probes.slice(0, 2).map((p) => p.content)).toEqual([`❌ ${UNAVAILABLE}`, `❌ ${UNAVAILABLE}`]);
    // The leader closed its session before the lease it last renewed could expire.
    expect(closedAt).toBeLessThan(leaseExpiresAt);

    // MongoDB answers again: the same instance takes the gateway back, one session at a time.
    await sessions.until((open, total) => open === 1 && total > identified, 30_000);
    sessions.stop();
    expect(sessions.most()).toBe(1);

    // Nothing was changed by the stalled /deploy, and nothing is stuck: a new one runs to its marker.
    expect(github.runs(WEB)).toHaveLength(0);
    const reply = await discord
      .runCommand('alice', 'deploy', { service: 'web', env: 'staging' })
      .response({ timeoutMs: 20_000 });
    expect(reply.content).toMatch(/Dispatched web → staging/);
    const id = /\bD[0-9A-Z]{8}\b/.exec(reply.content)?.[0] ?? 'no deploy id';
    await discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title?.startsWith('📍') && e.footer?.text === `Deploy ${id}`),
      { timeoutMs: 30_000 },
    );
    expect(github.runs(WEB)).toHaveLength(1);
  }, 150_000);
});
