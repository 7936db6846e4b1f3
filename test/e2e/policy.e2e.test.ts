import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E, type RawConfig } from './harness.js';
import { buttonsOf, cardText, DEPLOY_ID, isCardOf } from './support/deploy-view.js';

const CHECK = 'Migrations applied to staging and green';

/** api's prod needs two R5s; web's prod has a checklist. No recurring freezes (the weekday must not matter). */
function policyConfig(base: RawConfig): RawConfig {
  const services = structuredClone(base.services);
  const prodOf = (service: string) => services[service]?.environments.find((e) => e.name === 'prod');
  Object.assign(prodOf('api') ?? {}, { approvals: 2 });
  Object.assign(prodOf('web') ?? {}, { checklist: [CHECK] });
  return { ...base, services, freezeWindows: [] };
}

const e2e = useE2E({ config: policyConfig });
const API = 'example-org/api';
const WAIT = { timeoutMs: 20_000 };

function idIn(text: string): string {
  const id = DEPLOY_ID.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}

const cardWhen = (
  env: E2E,
  id: string,
  predicate: (m: ObservedMessage) => boolean,
): Promise<ObservedMessage> => env.discord.waitForMessage((m) => isCardOf(id)(m) && predicate(m), WAIT);

const field = (m: ObservedMessage, name: string): string =>
  m.embeds[0]?.fields?.find((f) => f.name.startsWith(name))?.value ?? '';

/** Whether the card's `label` button is disabled (Discord greys it out and refuses the click). */
function disabled(m: ObservedMessage, label: string): boolean {
  const buttons = m.components.flatMap((row) =>
    'components' in row ? (row.components as readonly { label?: string; disabled?: boolean }[]) : [],
  );
  const found = buttons.find((b) => b.label === label);
  if (!found) throw new Error(`no "${label}" button`);
  return found.disabled === true;
}

async function verifiedStaging(env: E2E, service: string, ref?: string): Promise<void> {
  const reply = await env.discord
    .runCommand('alice', 'deploy', { service, env: 'staging', ...(ref ? { ref } : {}) })
    .response(WAIT);
  const id = idIn(reply.content);
  const card = await cardWhen(env, id, (m) => buttonsOf(m).includes('Verified'));
  await env.discord.click('alice', card, 'Verified').response(WAIT);
  await cardWhen(env, id, (m) => cardText(m).includes('✔️ Verified'));
}

async function askProd(env: E2E, service: string, ref?: string): Promise<string> {
  const reply = await env.discord
    .runCommand('alice', 'deploy', { service, env: 'prod', ...(ref ? { ref } : {}) })
    .response(WAIT);
  expect(reply.content).toMatch(/Approval requested/);
  return idIn(reply.content);
}

const prodRuns = (env: E2E, repo = API) =>
  env.github.runs(repo).filter((r) => r.workflow === 'deploy.yml' && r.inputs.environment === 'prod');

/** bob then carol approve on the card; resolves once the deploy's marker is logged. */
async function approvedByTwo(env: E2E, id: string): Promise<void> {
  const card = await cardWhen(env, id, (m) => buttonsOf(m).includes('Approve'));
  await env.discord.click('bob', card, 'Approve').response(WAIT);
  const half = await cardWhen(env, id, (m) => field(m, 'Approvals').startsWith('1/2'));
  await env.discord.click('carol', half, 'Approve').response(WAIT);
  await env.bot.waitForLog((l) => l.msg === 'deploy.marker' && l.deployId === id, 20_000);
}

describe('approvals and policy through Discord (real bot process)', () => {
  it('prod with approvals: 2 needs bob and carol: the requester is refused, bob twice counts once, one dispatch', async () => {
    const env = e2e();
    // A commit of its own: not behind whatever an earlier test put on prod.
    const sha = env.github.addCommit(API, 'feat: two approvals');
    await verifiedStaging(env, 'api', sha);
    const runsBefore = prodRuns(env).length;
    const id = await askProd(env, 'api', sha);
    const card = await cardWhen(env, id, (m) => buttonsOf(m).includes('Approve'));

    expect((await env.discord.click('alice', card, 'Approve').response(WAIT)).content).toMatch(/R5 role/);
    expect((await env.discord.click('bob', card, 'Approve').response(WAIT)).content).toMatch(
      /Approval counted .*1\/2/,
    );
    const half = await cardWhen(env, id, (m) => field(m, 'Approvals') === '1/2 approved — bob');
    expect(buttonsOf(half)).toContain('Approve');
    expect((await env.discord.click('bob', half, 'Approve').response(WAIT)).content).toMatch(
      /already approved .*1\/2/,
    );
    expect(prodRuns(env)).toHaveLength(runsBefore);

    expect((await env.discord.click('carol', half, 'Approve').response(WAIT)).content).toMatch(/Dispatched/);
    await cardWhen(env, id, (m) => field(m, 'Approvals') === '2/2 approved — bob, carol');
    expect(prodRuns(env)).toHaveLength(runsBefore + 1);
    expect(prodRuns(env).at(-1)?.inputs).toMatchObject({ sha, deploy_id: id });
    await env.bot.waitForLog((l) => l.msg === 'deploy.marker' && l.deployId === id, 20_000);
  });

  it('a checklist keeps Approve disabled, and refused, until the requester ticks it', async () => {
    const env = e2e();
    await verifiedStaging(env, 'web');
    const runsBefore = prodRuns(env, 'example-org/web').length;
    const id = await askProd(env, 'web');
    const card = await cardWhen(env, id, (m) => buttonsOf(m).includes('Tick 1'));
    expect(disabled(card, 'Approve')).toBe(true);
    expect(field(card, 'Checklist')).toBe(`⬜ 1. ${CHECK}`);

    expect((await env.discord.runCommand('bob', 'approve', { id }).response(WAIT)).content).toMatch(
      /CHECKLIST_INCOMPLETE|checklist item to tick/,
    );
    expect((await env.discord.click('bob', card, 'Tick 1').response(WAIT)).content).toMatch(
      /Only the requester/,
    );
    expect((await env.discord.click('alice', card, 'Tick 1').response(WAIT)).content).toMatch(/Ticked 1/);
    const ticked = await cardWhen(env, id, (m) => !buttonsOf(m).includes('Tick 1'));
    expect(disabled(ticked, 'Approve')).toBe(false);
    expect(field(ticked, 'Checklist')).toMatch(new RegExp(`^☑️ 1\\. ${CHECK} — alice <t:\\d+:R>$`));
    expect((await env.discord.click('bob', ticked, 'Approve').response(WAIT)).content).toMatch(/Dispatched/);
    expect(prodRuns(env, 'example-org/web')).toHaveLength(runsBefore + 1);
    expect(prodRuns(env, 'example-org/web').at(-1)?.inputs.deploy_id).toBe(id);
  });

  it('a SHA behind what runs on prod is refused with BEHIND_PROD; a rollback to it is not', async () => {
    const env = e2e();
    // Its own commits: `old` is released to prod first (a rollback goes back to what ran there), then the
    // newest, three commits ahead of it.
    const old = env.github.addCommit(API, 'feat: released first');
    env.github.addCommit(API, 'fix: in between');
    env.github.addCommit(API, 'fix: also in between');
    env.github.addCommit(API, 'feat: newest');
    await verifiedStaging(env, 'api', old);
    await approvedByTwo(env, await askProd(env, 'api', old));
    await verifiedStaging(env, 'api');
    await approvedByTwo(env, await askProd(env, 'api'));

    const refused = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'prod', ref: old })
      .response(WAIT);
    expect(refused.content).toMatch(/BEHIND_PROD/);
    expect(refused.content).toMatch(/3 commits behind what runs on prod; use \/rollback to go back/);

    const rollback = await env.discord
      .runCommand('alice', 'rollback', { service: 'api', env: 'prod', to: old })
      .response(WAIT);
    expect(rollback.content).not.toMatch(/BEHIND_PROD|refused/i);
    const card = await cardWhen(env, idIn(rollback.content), (m) => buttonsOf(m).includes('Approve'));
    expect(field(card, 'Gates')).toContain('✅ Contains what runs on prod');
  });
});
