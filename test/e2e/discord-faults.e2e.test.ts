import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';
import { buttonsOf, cardOf, cardText, DEPLOY_ID, isCardOf, isMarkerOf } from './support/deploy-view.js';

/**
 * SPEC §4.7 and §13: the card is edited in place as the state moves, and Discord's failures are retried.
 * Here Discord answers the card's edits (PATCH /channels/{id}/messages/{mid}) with bursts of 429s (with
 * Retry-After) or 5xx — more than one HTTP client's own retries absorb — while a deploy runs. Whatever
 * happened in between, the card must end showing the deploy's final state.
 */

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({ config: (base) => ({ ...base, freezeWindows: [] }) });
const WAIT = { timeoutMs: 20_000 };
/** Long enough for any sane retry schedule to get an edit through once Discord answers again. */
const RECOVERY = { timeoutMs: 20_000 };

const SUCCEEDED_PENDING = (text: string): boolean =>
  text.startsWith('**🟢 Succeeded**') && text.includes('Verification pending');

/** `PATCH /channels/{ops}/messages/{card}`: the edits of one deploy's card and nothing else. */
const cardEdits =
  (env: E2E, cardId: () => string | undefined) =>
  ({ method, path }: { method: string; path: string }): boolean =>
    method === 'PATCH' &&
    cardId() !== undefined &&
    path === `/channels/${env.discord.opsChannelId}/messages/${cardId() ?? ''}`;

/**
 * Requests a staging deploy and, the moment its card is posted, arms `inject` against the card's edits
 * (before the bot's first edit: the run is seen in progress only a few hundred ms later).
 */
async function deployWithFaults(
  env: E2E,
  service: string,
  inject: (matcher: ReturnType<typeof cardEdits>) => void,
): Promise<{ id: string; cardId: () => string }> {
  let id: string | undefined;
  let cardId: string | undefined;
  const pending: ObservedMessage[] = [];
  const arm = (m: ObservedMessage): void => {
    if (cardId || !id || !isCardOf(id)(m)) return;
    cardId = m.id;
    inject(cardEdits(env, () => cardId));
  };
  const off = env.discord.on('messageCreate', (m) => {
    if (id) arm(m);
    else pending.push(m); // the card may be posted before the reply that names the deploy arrives
  });
  try {
    // A commit of its own: each test deploys something new, whatever the tests before it left deployed.
    const ref = env.github.addCommit(`example-org/${service}`, `feat: change for ${service}`);
    const reply = await env.discord
      .runCommand('alice', 'deploy', { service, env: 'staging', ref })
      .response(WAIT);
    id = DEPLOY_ID.exec(reply.content)?.[1];
    if (!id) throw new Error(`no deploy id in: ${reply.content}`);
    for (const m of pending) arm(m);
    await env.discord.waitForMessage((m) => isCardOf(id ?? '')(m), WAIT);
    const known = id;
    return {
      id: known,
      cardId: () => {
        if (!cardId) throw new Error(`the card of ${known} was never posted`);
        return cardId;
      },
    };
  } finally {
    off();
  }
}

/** Resolves with the card once it fits, or with how it looks after the bound (for a clear failure). */
async function cardWhen(env: E2E, id: string, fits: (text: string) => boolean): Promise<string> {
  try {
    await env.discord.waitForMessage((m) => isCardOf(id)(m) && fits(cardText(m)), RECOVERY);
  } catch {
    // reported by the caller's assertion with the card's last state
  }
  return cardText(cardOf(env.discord, id));
}

describe('the deploy card survives Discord failures on its edits (real bot process)', () => {
  it('5xx on every card edit while the run goes and ends: the card still ends on Succeeded, verification pending', async () => {
    const env = e2e();
    const served = env.discord.injectedFailures().served;
    // Three edits' worth (running, succeeded, verification pending) × four attempts each.
    const { id } = await deployWithFaults(env, 'web', (matcher) => {
      env.discord.failNextRequests(matcher, 503, 12);
    });
    await env.discord.waitForMessage(isMarkerOf(id), WAIT);
    const text = await cardWhen(env, id, SUCCEEDED_PENDING);
    expect(env.discord.injectedFailures().served - served).toBeGreaterThanOrEqual(4);
    expect(text.split('\n')[0]).toBe('**🟢 Succeeded**');
    expect(text).toContain('Verification pending');
  }, 90_000);

  it('429 bursts with Retry-After on the card edits: the card ends on Succeeded, verification pending', async () => {
    const env = e2e();
    const limited: string[] = [];
    const offRequests = env.discord.on('request', (r) => {
      if (r.status === 429 && r.method === 'PATCH') limited.push(r.path);
    });
    try {
      const { id } = await deployWithFaults(env, 'web', (matcher) => {
        for (let i = 0; i < 6; i++) env.discord.rateLimitNext(matcher, 1);
      });
      await env.discord.waitForMessage(isMarkerOf(id), WAIT);
      const text = await cardWhen(env, id, SUCCEEDED_PENDING);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(text.split('\n')[0]).toBe('**🟢 Succeeded**');
      expect(text).toContain('Verification pending');
    } finally {
      offRequests();
    }
  }, 90_000);

  it('5xx on the edit that records Verified: the card ends on Verified', async () => {
    const env = e2e();
    const { id, cardId } = await deployWithFaults(env, 'web', () => undefined);
    const offering = await env.discord.waitForMessage(
      (m) => isCardOf(id)(m) && buttonsOf(m).includes('Verified'),
      WAIT,
    );
    const served = env.discord.injectedFailures().served;
    env.discord.failNextRequests(cardEdits(env, cardId), 502, 4);
    await env.discord.click('alice', offering, 'Verified').response(WAIT);
    const text = await cardWhen(env, id, (t) => t.includes('✔️ Verified'));
    expect(env.discord.injectedFailures().served - served).toBe(4);
    expect(text.split('\n')[0]).toBe('**🟢 Succeeded**');
    expect(text).toContain('✔️ Verified');
  }, 90_000);
});
