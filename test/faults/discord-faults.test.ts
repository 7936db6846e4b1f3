import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buttons, commands, modals } from '../../commands/index.js';
import { createGateway, createRest, registerCommands } from '../../src/adapters/discord/gateway.js';
import { createDiscordNotifier } from '../../src/adapters/discord/notifier.js';
import { createInteractionRouter } from '../../src/adapters/discord/router.js';
import { createMetrics } from '../../src/adapters/http/metrics.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { sweepOutbox } from '../../src/app/pipeline/worker.js';
import {
  startLocalDiscord,
  type LocalDiscord,
  type ObservedMessage,
} from '../../src/sandbox/discord/index.js';
import { cardOf, cardText, DEPLOY_ID, isCardOf, isMarkerOf } from '../e2e/support/deploy-view.js';
import { startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { recordFigure } from './figures.js';

/**
 * SPEC §4.7, §9, §13: the deploy card follows the deploy whatever Discord does meanwhile. In-process: the
 * app with the real notifier (@discordjs/rest) and the real gateway client (discord.js) against the local
 * Discord server, which drops the gateway, rate-limits and fails requests as Discord does. Each test
 * checks that the card ends on the final state, that no message was posted twice, and that interactions
 * are still answered.
 */
const TOKEN = 'local-bot-token-faults';
const APP_ID = '990000000000000002';
const WAIT = { timeoutMs: 10_000 };

let h: AppHarness;
let discord: LocalDiscord;
let gateway: ReturnType<typeof createGateway>;

const figures = { tried: 0, problems: 0, injected: 0, converged: 0, doubled: 0, answered: 0 };
afterAll(() => {
  recordFigure('Discord faults', {
    tried: figures.tried,
    problems: figures.problems,
    detail: {
      'faults injected': figures.injected,
      'cards converged': figures.converged,
      'messages doubled': figures.doubled,
      'interactions answered': figures.answered,
    },
  });
});

beforeEach(async () => {
  h = await startAppHarness();
  const { config } = h.deps;
  const guild = config.discord.guilds[0];
  if (!guild) throw new Error('the example configuration has no guild');
  discord = await startLocalDiscord({
    appId: APP_ID,
    botToken: TOKEN,
    guild: {
      id: guild.id,
      name: guild.name ?? 'Release Console Sandbox',
      channelId: config.discord.opsChannelId,
      roles: config.discord.roles,
    },
  });
  const log = pino({ level: 'silent' });
  const rest = createRest({ token: TOKEN, api: discord.apiUrl });
  // The harness's deps are a plain object the outbox reads late: the real Discord notifier stands in.
  (h.deps as { notifier: AppDeps['notifier'] }).notifier = createDiscordNotifier({
    rest,
    config,
    log,
    saveCardLocation: async (deployId, location) => {
      await h.deps.repos.deploys.update(deployId, location, h.deps.clock.now());
    },
  });
  await registerCommands({ rest, appId: APP_ID, guildIds: [guild.id], commands, log });
  const router = createInteractionRouter({
    commands,
    buttons,
    modals,
    deps: h.deps,
    log,
    metrics: createMetrics({ defaultMetrics: false }),
  });
  gateway = createGateway({ rest: { token: TOKEN, api: discord.apiUrl }, onInteraction: router, log });
  await gateway.connect();
});
afterEach(async () => {
  // The client first, or it reconnects to a closed server in a loop.
  await gateway.disconnect();
  await h.deps.outbox.idle();
  await discord.close();
  await h.close();
});

/** `/deploy` as alice; the deploy id from the reply (which must come, whatever the faults). */
async function deployAsAlice(service: string): Promise<string> {
  const reply = await discord.runCommand('alice', 'deploy', { service, env: 'staging' }).response(WAIT);
  figures.answered += 1;
  const id = DEPLOY_ID.exec(reply.content)?.[1];
  if (!id) throw new Error(`no deploy id in: ${reply.content}`);
  return id;
}

/** Runs the deploy to its end as the jobs would, then works what its outbox still owes (bounded). */
async function finish(id: string): Promise<void> {
  await trackUntilDone(h.deps, id, 8_000);
  for (let i = 0; i < 20; i += 1) {
    await h.deps.outbox.idle();
    // `outbox` stays set while the deploy owes an effect (a Discord post retried later, say).
    if ((await h.deps.repos.deploys.get(id))?.outbox !== true) return;
    await sweepOutbox(h.deps);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Messages that appear twice in one channel (same text and embeds): a post retried into a second message. */
function doubledMessages(channelIds: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const channel of channelIds)
    for (const m of discord.history(channel)) {
      if (m.visibleTo !== null || m.interactionId !== null) continue;
      const key = `${channel} ${m.content} ${JSON.stringify(m.embeds)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key.slice(0, 160));
}

/** What every fault must leave: one card on the final state, one marker, nothing doubled, answers going. */
async function expectConverged(id: string, faults: number): Promise<void> {
  figures.tried += 1;
  figures.injected += faults;
  const card = cardOf(discord, id);
  const text = cardText(card);
  const cards = discord.history().filter(isCardOf(id)).length;
  const markers = discord.history().filter(isMarkerOf(id)).length;
  const doubled = doubledMessages([discord.opsChannelId, ...(card ? [card.id] : [])]);
  const converged = text.startsWith('**🟢 Succeeded**') && cards === 1 && markers === 1;
  figures.converged += converged ? 1 : 0;
  figures.doubled += doubled.length;
  figures.problems += (converged ? 0 : 1) + doubled.length;
  expect(text.split('\n')[0]).toBe('**🟢 Succeeded**');
  expect({ cards, markers, doubled }).toEqual({ cards: 1, markers: 1, doubled: [] });
  // Interactions keep being answered after the faults.
  const history = await discord
    .runCommand('alice', 'history', { service: 'api', env: 'staging' })
    .response(WAIT);
  figures.answered += 1;
  expect(history.embeds[0]?.description ?? history.content).toContain(id);
}

const OPS_POSTS = (d: LocalDiscord) => `POST /channels/${d.opsChannelId}/messages`;
const OPS_EDITS = /^PATCH \/channels\/\d+\/messages\/\d+$/;
const THREAD_POSTS = (d: LocalDiscord) => (r: { method: string; path: string }) =>
  r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path) && !r.path.includes(d.opsChannelId);

describe('the local Discord refuses as Discord does', () => {
  const post = (content: string) =>
    fetch(`${discord.apiUrl}/v10/channels/${discord.opsChannelId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content }),
    });

  it('a global 429 carries Retry-After, X-RateLimit-Global and global: true; a route 429 its bucket', async () => {
    discord.rateLimitGloballyNext(OPS_POSTS(discord), 2);
    discord.rateLimitNext(OPS_POSTS(discord), 1);
    const global = await post('one');
    expect(global.status).toBe(429);
    expect(global.headers.get('retry-after')).toBe('2');
    expect(global.headers.get('x-ratelimit-global')).toBe('true');
    expect(global.headers.get('x-ratelimit-scope')).toBe('global');
    expect(await global.json()).toMatchObject({ retry_after: 2, global: true });
    const route = await post('two');
    expect(route.status).toBe(429);
    expect(route.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{16}$/);
    expect(route.headers.get('x-ratelimit-global')).toBeNull();
    expect(await route.json()).toMatchObject({ global: false });
    expect(discord.history()).toEqual([]);
  });

  it('a 5xx after the effect leaves the message posted; a 5xx before it leaves nothing', async () => {
    discord.failNextRequests(OPS_POSTS(discord), 503, 1);
    discord.failNextRequestsAfterEffect(OPS_POSTS(discord), 502, 1);
    expect((await post('before')).status).toBe(503);
    expect((await post('after')).status).toBe(502);
    expect(discord.history().map((m) => m.content)).toEqual(['after']);
  });
});

describe('Discord REST faults while a deploy runs', () => {
  it('429 bursts, per route and global, with Retry-After and X-RateLimit-* headers', async () => {
    const limited: string[] = [];
    const off = discord.on('request', (r) => {
      if (r.status === 429) limited.push(`${r.method} ${r.path}`);
    });
    // The card's post, two of its edits (one of them a global limit) and a progress line in its thread.
    discord.rateLimitNext(OPS_POSTS(discord), 1);
    discord.rateLimitNext(OPS_EDITS, 1);
    discord.rateLimitGloballyNext(OPS_EDITS, 1);
    discord.rateLimitNext(THREAD_POSTS(discord), 1);
    try {
      const id = await deployAsAlice('api');
      await finish(id);
      expect(limited.length).toBe(4);
      await expectConverged(id, limited.length);
    } finally {
      off();
    }
  }, 30_000);

  it('5xx on message posts and edits, before and after the post took effect', async () => {
    discord.failNextRequests(OPS_POSTS(discord), 503, 2);
    // The card is created but the answer is a 502: the retry must not post a second card (enforce_nonce).
    discord.failNextRequestsAfterEffect(OPS_POSTS(discord), 502, 1);
    discord.failNextRequests(OPS_EDITS, 500, 3);
    // A progress line is posted but its answer is lost.
    discord.failNextRequestsAfterEffect(THREAD_POSTS(discord), 502, 1);
    const id = await deployAsAlice('api');
    await finish(id);
    const { served, pending } = discord.injectedFailures();
    expect({ served, pending }).toEqual({ served: 7, pending: 0 });
    await expectConverged(id, served);
  }, 30_000);
});

describe('Discord gateway closes while a deploy runs', () => {
  /** Closes the gateway with `close`, sends /deploy at once (while the socket is going), waits for the bot. */
  async function deployAcross(
    close: () => void,
  ): Promise<{ id: string; identified: number; replayed: boolean }> {
    const before = discord.gatewayConnections().totalIdentified;
    close();
    let handle;
    // Sent while the connection is closing: a resumed session gets it replayed; a new one cannot.
    try {
      handle = discord.runCommand('alice', 'deploy', { service: 'api', env: 'staging' });
    } catch {
      handle = undefined;
    }
    await discord.waitForBot(WAIT);
    await waitFor(() => gateway.connected, WAIT.timeoutMs);
    let reply: ObservedMessage | undefined;
    try {
      reply = await handle?.response({ timeoutMs: 3_000 });
    } catch {
      reply = undefined;
    }
    const id = reply ? DEPLOY_ID.exec(reply.content)?.[1] : undefined;
    if (reply) figures.answered += 1;
    return {
      id: id ?? (await deployAsAlice('api')),
      identified: discord.gatewayConnections().totalIdentified - before,
      replayed: id !== undefined,
    };
  }

  it.each([
    [4000, 'unknown error'],
    [1001, 'going away'],
  ])(
    'resumable close %i (%s): the session resumes and the interaction sent meanwhile is answered',
    async (code) => {
      const { id, identified, replayed } = await deployAcross(() => {
        discord.disconnectGateway(code);
      });
      // Resumed, not identified again: the interaction sent during the close was replayed, not lost.
      expect({ identified, replayed }).toEqual({ identified: 0, replayed: true });
      await finish(id);
      await expectConverged(id, 1);
    },
    30_000,
  );

  it.each([
    ['close 4007 (invalid seq)', (d: LocalDiscord) => d.disconnectGateway(4007)],
    ['close 4009 (session timed out)', (d: LocalDiscord) => d.disconnectGateway(4009)],
    ['INVALID_SESSION, not resumable', (d: LocalDiscord) => d.invalidateGatewaySessions(false)],
  ])(
    '%s: a fresh identify, and interactions are answered again',
    async (_name, close) => {
      const { id, identified } = await deployAcross(() => {
        close(discord);
      });
      expect(identified).toBe(1);
      await finish(id);
      await expectConverged(id, 1);
    },
    30_000,
  );
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
