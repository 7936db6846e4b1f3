import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';

// No recurring freeze windows: whether today is a Saturday evening in London must not decide these tests.
const e2e = useE2E({ config: (base) => ({ ...base, freezeWindows: [] }) });
const API = 'example-org/api';
const WAIT = { timeoutMs: 20_000 };

function deployIdOf(text: string): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}

function isCardOf(id: string) {
  return (m: ObservedMessage) =>
    m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${id}`) && !e.title?.startsWith('📍'));
}

function card(env: E2E, id: string): ObservedMessage {
  const found = env.discord.history().find(isCardOf(id));
  if (!found) throw new Error(`no card for ${id}`);
  return env.discord.message(found.id);
}

async function waitForMarker(env: E2E, id: string): Promise<ObservedMessage> {
  return env.discord.waitForMessage(
    (m) => m.embeds.some((e) => e.title?.startsWith('📍') && e.footer?.text === `Deploy ${id}`),
    WAIT,
  );
}

async function deploy(
  env: E2E,
  user: string,
  options: Record<string, string>,
): Promise<{ reply: ObservedMessage; id: string }> {
  const reply = await env.discord.runCommand(user, 'deploy', options).response(WAIT);
  return { reply, id: /\bD[0-9A-Z]{8}\b/.test(reply.content) ? deployIdOf(reply.content) : '' };
}

/** A green staging deploy of the current main, confirmed by an R4 and verified by the automatic checks. */
async function greenStaging(env: E2E, ref?: string): Promise<string> {
  const { id } = await deploy(env, 'alice', { service: 'api', env: 'staging', ...(ref ? { ref } : {}) });
  await waitForMarker(env, id);
  const offersVerify = () => JSON.stringify(card(env, id).components).includes('"label":"Verified"');
  for (let i = 0; i < 100 && !offersVerify(); i += 1)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await env.discord.click('alice', card(env, id), 'Verified').response(WAIT);
  await env.discord.waitForMessage(
    (m) => isCardOf(id)(m) && m.embeds.some((e) => e.description?.includes('✔️ Verified')),
    WAIT,
  );
  return id;
}

function prodRuns(env: E2E) {
  return env.github.runs(API).filter((r) => r.inputs.environment === 'prod' && r.workflow === 'deploy.yml');
}

/** The version after `version` on the same day: the bare date is patch 0 (v2026.12.01 → -patch1 → -patch2). */
function nextPatch(version: string): string {
  const patch = /-patch(\d+)$/.exec(version);
  return patch
    ? `${version.slice(0, patch.index)}-patch${String(Number(patch[1]) + 1)}`
    : `${version}-patch1`;
}

/** An approved prod release of `sha` (its staging is green already): bob approves, resolves at the marker. */
async function approvedProd(env: E2E, sha: string): Promise<string> {
  const { reply, id } = await deploy(env, 'alice', { service: 'api', env: 'prod', ref: sha });
  expect(reply.content).toMatch(/Approval requested/);
  const approved = await env.discord.click('bob', card(env, id), 'Approve').response(WAIT);
  expect(approved.content).toMatch(/Dispatched api → prod/);
  await waitForMarker(env, id);
  return id;
}

describe('the deploy flow through Discord (real bot process)', () => {
  it('deploys api to staging at once and posts a marker; GitHub holds the Deployment with its statuses', async () => {
    const env = e2e();
    const { reply, id } = await deploy(env, 'alice', { service: 'api', env: 'staging', reason: 'first' });
    expect(reply.visibleTo).toBe(env.discord.user('alice').id);
    expect(reply.content).toMatch(/Dispatched api → staging/);
    const marker = await waitForMarker(env, id);
    const fields = Object.fromEntries((marker.embeds[0]?.fields ?? []).map((f) => [f.name, f.value]));
    expect(fields.Version).toMatch(/^v\d{4}\.\d{2}\.\d{2}/);
    expect(fields.SHA).toContain(env.github.history(API)[0]?.slice(0, 7));
    expect(fields['Requested by']).toBe('alice');
    expect(fields.Duration).not.toBe('—');
    expect(fields.Run).toMatch(/workflow run/);
    expect(fields['Build time']).toMatch(/<t:\d+:f>/);
    const deployment = env.github.deployments(API).at(-1);
    expect(deployment).toMatchObject({ environment: 'staging', states: ['in_progress', 'success'] });
    expect(
      (await env.bot.waitForLog((l) => l.msg === 'deploy.marker' && l.deployId === id, 10_000)).version,
    ).toBe(fields.Version);
  });

  it('asks an R5 for prod: not the requester, not someone without a role; one dispatch when bob approves', async () => {
    const env = e2e();
    await greenStaging(env);
    const runsBefore = prodRuns(env).length;
    const pingsBefore = env.discord.pings().length;
    const { reply, id } = await deploy(env, 'alice', { service: 'api', env: 'prod', reason: 'weekly' });
    expect(reply.content).toMatch(/Approval requested/);
    const approval = card(env, id);
    expect(approval.embeds[0]?.fields?.find((f) => f.name === 'Gates')?.value).toMatch(/✅/);
    const pings = env.discord.pings().slice(pingsBefore);
    expect(pings).toHaveLength(1);
    expect(pings[0]?.ping.roles).toEqual([env.config.discord.roles.r5]);

    expect((await env.discord.click('alice', approval, 'Approve').response(WAIT)).content).toMatch(/R5 role/);
    expect((await env.discord.click('dave', approval, 'Approve').response(WAIT)).content).toMatch(/R5 role/);
    expect(prodRuns(env)).toHaveLength(runsBefore);
    const approved = await env.discord.click('bob', approval, 'Approve').response(WAIT);
    expect(approved.content).toMatch(/Dispatched api → prod/);
    await waitForMarker(env, id);
    expect(prodRuns(env)).toHaveLength(runsBefore + 1);
    expect(prodRuns(env).filter((r) => r.inputs.deploy_id === id)).toHaveLength(1);
    // The card no longer has buttons; /approve does the same as the button and says why not.
    expect(card(env, id).components).toHaveLength(0);
    expect((await env.discord.runCommand('carol', 'approve', { id }).response(WAIT)).content).toMatch(
      /already approved by bob/,
    );
    expect(prodRuns(env)).toHaveLength(runsBefore + 1);
  });

  it('gives one dispatch when bob and carol click Approve at the same moment', async () => {
    const env = e2e();
    await greenStaging(env);
    const before = prodRuns(env).length;
    const { id } = await deploy(env, 'alice', { service: 'api', env: 'prod' });
    const approval = card(env, id);
    const answers = await Promise.all([
      env.discord.click('bob', approval, 'Approve').response(WAIT),
      env.discord.click('carol', approval, 'Approve').response(WAIT),
    ]);
    expect(answers.filter((a) => a.content.includes('Dispatched'))).toHaveLength(1);
    await waitForMarker(env, id);
    expect(prodRuns(env)).toHaveLength(before + 1);
  });

  it('versions the second prod release of the day -patchN, the first one bumped by one patch', async () => {
    const env = e2e();
    // A SHA of its own, green on staging once: enough for both prod requests (the gate checks the SHA).
    const sha = env.github.addCommit(API, 'feat: two releases in one day');
    await greenStaging(env, sha);
    const first = await approvedProd(env, sha);
    const second = await approvedProd(env, sha);
    const versionOf = (id: string): string => {
      const runs = prodRuns(env).filter((r) => r.inputs.deploy_id === id);
      expect(runs).toHaveLength(1);
      return String(runs[0]?.inputs.version);
    };
    const versions = [versionOf(first), versionOf(second)];
    // The day's first release is the bare date; earlier tests may have released today already (-patchN).
    expect(versions[0]).toMatch(/^v\d{4}\.\d{2}\.\d{2}(-patch\d+)?$/);
    expect(versions[1]).toBe(nextPatch(versions[0] ?? ''));
    expect(Object.keys(env.github.tags(API))).toEqual(expect.arrayContaining(versions));
  });

  it('refuses prod of a SHA never deployed to staging with NOT_ON_STAGING', async () => {
    const env = e2e();
    const sha = env.github.addCommit(API, 'feat: straight to prod?');
    const { reply } = await deploy(env, 'alice', { service: 'api', env: 'prod', ref: sha });
    expect(reply.content).toMatch(/NOT_ON_STAGING/);
  });

  it('refuses the click of an approver who lost R5 between request and click', async () => {
    const env = e2e();
    await greenStaging(env);
    const { id } = await deploy(env, 'alice', { service: 'api', env: 'prod' });
    env.discord.setRoles('bob', []);
    try {
      const answer = await env.discord.click('bob', card(env, id), 'Approve').response(WAIT);
      expect(answer.content).toMatch(/R5 role/);
    } finally {
      env.discord.setRoles('bob', ['R5']);
    }
    await env.discord.click('carol', card(env, id), 'Reject').response(WAIT);
  });

  it('answers bad options clearly, only to the person, and pings nobody', async () => {
    const env = e2e();
    const pingsBefore = env.discord.pings().length;
    const answers = [
      (await deploy(env, 'alice', { service: 'nope', env: 'prod' })).reply,
      (await deploy(env, 'alice', { service: 'api', env: 'qa' })).reply,
      (await deploy(env, 'alice', { service: 'api', env: 'staging', ref: 'no-such-branch' })).reply,
    ];
    // The command declares reason's 500-character limit to Discord, whose client refuses a longer one.
    await expect(
      deploy(env, 'alice', { service: 'api', env: 'staging', reason: 'x'.repeat(3000) }),
    ).rejects.toThrow(/option "reason": at most 500 characters/);
    expect(answers.map((a) => a.content)).toEqual([
      expect.stringMatching(/Unknown service "nope"\. Known services: api, web/),
      expect.stringMatching(/Unknown environment "qa" for api/),
      expect.stringMatching(/"no-such-branch" is not a branch, tag or commit/),
    ]);
    expect(answers.every((a) => a.visibleTo === env.discord.user('alice').id)).toBe(true);
    const { id } = await deploy(env, 'alice', {
      service: 'web',
      env: 'staging',
      reason: '@everyone <@&990000000000000105> look',
    });
    await waitForMarker(env, id);
    expect(env.discord.pings().slice(pingsBefore)).toHaveLength(0);
  });

  it('resumes tracking after the bot is killed mid-run and posts the marker exactly once', async () => {
    const env = e2e();
    env.github.holdRuns(true);
    const { id } = await deploy(env, 'alice', { service: 'web', env: 'staging' });
    env.bot.kill('SIGKILL');
    await env.bot.exited;
    env.github.holdRuns(false);
    await env.bot.restart();
    await waitForMarker(env, id);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a few more tracking ticks
    const markers = env.discord
      .history()
      .filter((m) => m.embeds.some((e) => e.title?.startsWith('📍') && e.footer?.text === `Deploy ${id}`));
    expect(markers).toHaveLength(1);
  });
});
