import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';

const WAIT = { timeoutMs: 20_000 };

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({
  config: (base) => ({ ...base, freezeWindows: [] }),
  runTiming: { queuedMs: 200, inProgressMs: 600 },
});

function deployIdOf(text: string): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}

const buttonLabels = (message: ObservedMessage): string[] =>
  message.components
    .flatMap((row) => ('components' in row ? (row.components as unknown[]) : []))
    .map((c) => (c && typeof c === 'object' && 'label' in c ? String(c.label) : ''));

const offerOf = (id: string) => (m: ObservedMessage) =>
  m.content.includes(`your queued deploy ${id}`) && buttonLabels(m).includes('Deploy now');

const apiDeployRuns = (env: E2E) =>
  env.github.runs('example-org/api').filter((r) => r.workflow === 'deploy.yml');

async function queue(env: E2E, user: string, service: string): Promise<string> {
  const reply = await env.discord.runCommand(user, 'deploy', { service, env: 'staging' }).response(WAIT);
  expect(reply.content).toMatch(new RegExp(`Queued ${service} → staging`));
  expect(reply.content).toContain('LOCKED');
  return deployIdOf(reply.content);
}

describe('/lock, /unlock, /status and the FIFO queue (real bot process)', () => {
  it('queues requests to a locked env, offers them in the order they were made once it is unlocked', async () => {
    const env = e2e();
    const denied = await env.discord
      .runCommand(
        'dave',
        'lock',
        { service: 'api', env: 'staging', reason: 'db work' },
        { subcommand: 'service' },
      )
      .response(WAIT);
    expect(denied.content).toMatch(/R4 or R5 role/);
    const locked = await env.discord
      .runCommand(
        'bob',
        'lock',
        { service: 'api', env: 'staging', reason: 'db migration' },
        { subcommand: 'service' },
      )
      .response(WAIT);
    expect(locked.content).toMatch(/Locked api → \*\*staging\*\* until someone unlocks it: db migration/);
    await env.discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title === '🔒 Locked: api → staging'),
      WAIT,
    );

    const runsBefore = apiDeployRuns(env).length;
    const first = await queue(env, 'alice', 'api');
    const second = await queue(env, 'carol', 'api');
    const status = await env.discord.runCommand('dave', 'status').response(WAIT);
    expect(status.visibleTo).toBe(env.discord.user('dave').id);
    expect(status.embeds[0]?.description).toMatch(
      /⛔ api → \*\*staging\*\* · 🔒 bob: db migration · ⏳ 2 in line/,
    );

    const unlocked = await env.discord
      .runCommand('bob', 'unlock', { service: 'api', env: 'staging' }, { subcommand: 'service' })
      .response(WAIT);
    expect(unlocked.content).toMatch(/Unlocked api → \*\*staging\*\*\. 1 queued request\(s\) offered/);
    const offer = await env.discord.waitForMessage(offerOf(first), WAIT);
    expect(env.discord.history().some(offerOf(second))).toBe(false); // only the head

    const resumed = await env.discord.click('alice', offer, 'Deploy now').response(WAIT);
    expect(resumed.content).toMatch(/Dispatched api → staging/);
    // The next is offered once the head's deploy has finished.
    await env.discord.waitForMessage(offerOf(second), WAIT);
    expect(apiDeployRuns(env)).toHaveLength(runsBefore + 1);
  }, 90_000);

  it('ends a lock with a ttl by itself: announced, and the queue is offered', async () => {
    const env = e2e();
    const locked = await env.discord
      .runCommand(
        'alice',
        'lock',
        { service: 'web', env: 'staging', reason: 'load test', ttl: '3s' },
        { subcommand: 'service' },
      )
      .response(WAIT);
    expect(locked.content).toMatch(/Locked web → \*\*staging\*\* until /);
    const waiting = await queue(env, 'carol', 'web');
    await env.discord.waitForMessage(
      (m) =>
        m.embeds.some((e) => e.title === '🔓 Unlocked: web → staging' && e.description?.includes('expired')),
      WAIT,
    );
    await env.discord.waitForMessage(offerOf(waiting), WAIT);
  }, 60_000);
});
