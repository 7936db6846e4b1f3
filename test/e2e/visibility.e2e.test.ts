import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { SANDBOX_DISCORD_TOKEN } from '../../src/sandbox/stand-ins.js';
import { useE2E, type E2E } from './harness.js';
import { DEPLOY_ID, isCardOf, isMarkerOf } from './support/deploy-view.js';

/** §17 through Discord and GitHub with the real bot: the Release, pull-request comments, the status board. */

const API = 'example-org/api';
const WAIT = { timeoutMs: 20_000 };
const BOARD = '📋 Release Console status';

const e2e = useE2E({
  config: (base) => ({
    ...base,
    freezeWindows: [],
    visibility: { boardDebounce: '1s' },
    services: { ...base.services, api: { ...base.services.api!, prComments: true } },
  }),
  runTiming: { queuedMs: 100, inProgressMs: 400 },
});

const idIn = (text: string): string => {
  const id = DEPLOY_ID.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
};
const labels = (m: ObservedMessage): string[] =>
  m.components.flatMap((row) =>
    'components' in row ? row.components.flatMap((c) => ('label' in c && c.label ? [c.label] : [])) : [],
  );
const cardWhen = (env: E2E, id: string, ok: (m: ObservedMessage) => boolean) =>
  env.discord.waitForMessage((m) => isCardOf(id)(m) && ok(m), WAIT);
const marker = (env: E2E, id: string) => env.discord.waitForMessage(isMarkerOf(id), WAIT);

async function until<T>(what: string, read: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function staging(env: E2E, verify: boolean): Promise<string> {
  const reply = await env.discord
    .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
    .response(WAIT);
  const id = idIn(reply.content);
  await marker(env, id);
  if (verify) {
    const card = await cardWhen(env, id, (m) => labels(m).includes('Verified'));
    await env.discord.click('alice', card, 'Verified').response(WAIT);
    await cardWhen(env, id, (m) => (m.embeds[0]?.description ?? '').includes('✔️ Verified'));
  }
  return id;
}

/** Approved by bob: the card of a prod deploy, or of a rollback. */
async function approvedByBob(env: E2E, id: string): Promise<void> {
  const card = await cardWhen(env, id, (m) => labels(m).includes('Approve'));
  await env.discord.click('bob', card, 'Approve').response(WAIT);
  await marker(env, id);
}

const commentOf = (env: E2E, sha: string) =>
  env.github.issueComments(API, env.github.pullNumberOf(API, sha)!);

describe('visibility (real bot process)', () => {
  it('a prod deploy creates the Release and comments once per pull request; later envs and rollbacks edit it', async () => {
    const env = e2e();
    // A pull request of its own: its comment and the Release's line are this test's alone.
    const first = env.github.addCommit(API, 'feat: visible change');
    const releasesBefore = env.github.releases(API).length;
    await staging(env, true);
    await until('the staging comment', () => commentOf(env, first)[0]);

    const reply = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'prod' })
      .response(WAIT);
    const prodId = idIn(reply.content);
    await approvedByBob(env, prodId);
    const release = await until('the Release', () => env.github.releases(API)[releasesBefore]);
    expect(release.body).toContain('### Features');
    expect(release.body).toContain(`(#${env.github.pullNumberOf(API, first)})`);
    const prodMarker = await marker(env, prodId);
    expect(JSON.stringify(prodMarker.embeds[0]?.fields)).toContain(`/releases/tag/${release.tag}`);

    const both = await until('the prod line', () =>
      commentOf(env, first).find((c) => c.body.includes('**prod**')),
    );
    expect(commentOf(env, first)).toHaveLength(1);
    expect(both.body).toContain(`🚀 Deployed to **prod** in ${release.tag} (deploy ${prodId}`);
    expect(both.body).toContain('🚀 Deployed to **staging**');

    // A newer pull request on staging, rolled back: its comment says so, in place.
    const risky = env.github.addCommit(API, 'feat: risky change');
    await staging(env, false);
    const shipped = await until('the risky comment', () => commentOf(env, risky)[0]);
    const rollback = await env.discord
      .runCommand('alice', 'rollback', { service: 'api', env: 'staging' })
      .response(WAIT);
    const rollbackId = idIn(rollback.content);
    await approvedByBob(env, rollbackId);
    const rolledBack = await until('the rollback line', () =>
      commentOf(env, risky).find((c) => c.body.includes('⏪ Rolled back from **staging**')),
    );
    expect(rolledBack.id).toBe(shipped.id);
    expect(commentOf(env, risky)).toHaveLength(1);
    expect(env.github.releases(API)).toHaveLength(releasesBefore + 1);
  });

  it('the pinned board follows deploys and freezes within seconds, and comes back when deleted', async () => {
    const env = e2e();
    const board = () => env.discord.history().find((m) => m.embeds[0]?.title === BOARD);
    const posted = await until('the board', board);
    expect(posted.pinned).toBe(true);

    // A commit of its own: the board's line names its SHA, whatever an earlier test left on staging.
    const sha = env.github.addCommit(API, 'feat: on the board');
    const id = await staging(env, false);
    await env.discord.waitForMessage(
      (m) => m.id === posted.id && JSON.stringify(m.embeds).includes(`\`${sha.slice(0, 7)}\` · ⏳ verifying`),
      WAIT,
    );
    expect(id).toMatch(DEPLOY_ID);

    await env.discord
      .runCommand('bob', 'freeze', { duration: '1h', reason: 'launch week' }, { subcommand: 'start' })
      .response(WAIT);
    await env.discord.waitForMessage(
      (m) => m.id === posted.id && JSON.stringify(m.embeds).includes('frozen: launch week'),
      WAIT,
    );
    expect(env.discord.history().filter((m) => m.embeds[0]?.title === BOARD)).toHaveLength(1);

    // Someone deletes it; the next change finds it gone (Unknown Message) and posts a pinned one again.
    const deleted = await fetch(
      `${env.discord.apiUrl}/v10/channels/${posted.channel_id}/messages/${posted.id}`,
      {
        method: 'DELETE',
        headers: { authorization: `Bot ${SANDBOX_DISCORD_TOKEN}` },
      },
    );
    expect(deleted.status).toBe(204);
    await staging(env, false);
    const again = await until('the new board', () => {
      const found = board();
      return found && found.id !== posted.id ? found : undefined;
    });
    expect(again.pinned).toBe(true);
    expect(env.discord.history().filter((m) => m.embeds[0]?.title === BOARD)).toHaveLength(1);
  });
});
