import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({ config: (base) => ({ ...base, freezeWindows: [] }) });
const API = 'example-org/api';
const WAIT = { timeoutMs: 20_000 };

const isCardOf = (id: string) => (m: ObservedMessage) =>
  m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${id}`) && !e.title?.startsWith('📍'));
const labels = (m: ObservedMessage): string[] =>
  m.components.flatMap((row) =>
    'components' in row ? row.components.flatMap((c) => ('label' in c && c.label ? [c.label] : [])) : [],
  );
const description = (m: ObservedMessage): string => m.embeds[0]?.description ?? '';

function idIn(text: string): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}

/** Waits until the deploy's card matches `predicate` (cards are edited in place). */
function cardWhen(
  env: E2E,
  id: string,
  predicate: (m: ObservedMessage) => boolean,
): Promise<ObservedMessage> {
  return env.discord.waitForMessage((m) => isCardOf(id)(m) && predicate(m), WAIT);
}

async function deployStaging(env: E2E, ref?: string): Promise<string> {
  const reply = await env.discord
    .runCommand('alice', 'deploy', { service: 'api', env: 'staging', ...(ref ? { ref } : {}) })
    .response(WAIT);
  return idIn(reply.content);
}

/** Deploys to staging and has alice (R4) confirm it with Verified; resolves once the card says verified. */
async function verifiedStaging(env: E2E, ref?: string): Promise<string> {
  const id = await deployStaging(env, ref);
  const card = await cardWhen(env, id, (m) => labels(m).includes('Verified'));
  await env.discord.click('alice', card, 'Verified').response(WAIT);
  await cardWhen(env, id, (m) => description(m).includes('✔️ Verified'));
  return id;
}

const deployRuns = (env: E2E) => env.github.runs(API).filter((r) => r.workflow === 'deploy.yml');

describe('verification, rollback and nightly smoke through Discord (real bot process)', () => {
  it('a red nightly smoke (/smoke run) blocks prod with SMOKE_RED', async () => {
    const env = e2e();
    const sha = env.github.history(API)[0]!;
    await verifiedStaging(env, sha);
    const prodRunsBefore = deployRuns(env).filter((r) => r.inputs.environment === 'prod').length;
    env.github.failNext(API, 'smoke.yml');
    expect(
      (await env.discord.runCommand('alice', 'smoke', {}, { subcommand: 'run' }).response(WAIT)).content,
    ).toMatch(/R5 role/);
    await env.discord.runCommand('bob', 'smoke', {}, { subcommand: 'run' }).response(WAIT);
    const summary = await env.discord.waitForMessage(
      (m) => m.content.includes('Nightly smoke on staging'),
      WAIT,
    );
    expect(summary.content).toMatch(/api\*\*: red/);
    expect(summary.content).toMatch(/web\*\*: skipped/);
    const reply = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'prod', ref: sha })
      .response(WAIT);
    expect(reply.content).toMatch(/SMOKE_RED/);
    expect(deployRuns(env).filter((r) => r.inputs.environment === 'prod')).toHaveLength(prodRunsBefore);
  });

  it('a faulty deploy turns its card red with Rollback; bob clicks it and the previous verified SHA is dispatched', async () => {
    const env = e2e();
    const good = env.github.history(API)[0]!;
    await verifiedStaging(env, good);
    env.github.addCommit(API, 'feat: risky change');
    env.services.reportWrongVersion('api', 'staging', 'v1999.01.01');
    const bad = await deployStaging(env);
    const red = await cardWhen(env, bad, (m) => labels(m).includes('Rollback'));
    expect(description(red)).toMatch(/Verification failed/);
    expect(red.embeds[0]?.color).toBe(0xed4245 /* COLORS.failure */);

    const before = deployRuns(env).length;
    const answer = await env.discord.click('bob', red, 'Rollback').response(WAIT);
    expect(answer.content).toMatch(/Dispatched api → staging/);
    expect(deployRuns(env)).toHaveLength(before + 1);
    const rollbackId = idIn(answer.content);
    expect(deployRuns(env).at(-1)?.inputs).toMatchObject({
      environment: 'staging',
      sha: good,
      deploy_id: rollbackId,
    });
    await cardWhen(env, rollbackId, (m) => m.embeds[0]?.title?.includes('Rollback') === true);
    // The rollback is a deploy of its own: it runs to success and posts its marker.
    await env.bot.waitForLog((l) => l.msg === 'deploy.marker' && l.deployId === rollbackId, 20_000);
  });

  it('an emergency /rollback by alice is dispatched at once and waits for an R5 to acknowledge', async () => {
    const env = e2e();
    // Something to roll back from, and a verified deploy before it to roll back to: its own two commits.
    const good = env.github.addCommit(API, 'feat: known good');
    await verifiedStaging(env, good);
    env.github.addCommit(API, 'feat: to be rolled back');
    const current = await deployStaging(env);
    await env.bot.waitForLog((l) => l.msg === 'deploy.marker' && l.deployId === current, 20_000);
    const before = deployRuns(env).length;
    const reply = await env.discord
      .runCommand('alice', 'rollback', { service: 'api', env: 'staging', emergency: true })
      .response(WAIT);
    expect(reply.content).toMatch(/Dispatched api → staging/);
    expect(deployRuns(env)).toHaveLength(before + 1);
    const id = idIn(reply.content);
    expect(deployRuns(env).at(-1)?.inputs).toMatchObject({
      environment: 'staging',
      sha: good,
      deploy_id: id,
    });
    const card = await cardWhen(env, id, (m) => labels(m).includes('Acknowledge'));
    expect(card.embeds[0]?.footer?.text).toMatch(/emergency/);
    expect((await env.discord.click('alice', card, 'Acknowledge').response(WAIT)).content).toMatch(/R5 role/);
    expect((await env.discord.click('bob', card, 'Acknowledge').response(WAIT)).content).toMatch(
      /Acknowledged/,
    );
    const done = await cardWhen(env, id, (m) => !labels(m).includes('Acknowledge'));
    expect(JSON.stringify(done.embeds[0]?.fields)).toContain('bob');
  });
});
