import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';

// prod has the bot's App as its deployment protection rule (§16); GitHub sends webhooks to the bot.
const e2e = useE2E({
  config: (base) => ({ ...base, freezeWindows: [] }),
  githubApp: {},
  protectedEnvironments: ['prod'],
});
const API = 'example-org/api';
const WAIT = { timeoutMs: 20_000 };

const isCardOf = (id: string) => (m: ObservedMessage) =>
  m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${id}`) && !e.title?.startsWith('📍'));

function card(env: E2E, id: string): ObservedMessage {
  const found = env.discord.history().find(isCardOf(id));
  if (!found) throw new Error(`no card for ${id}`);
  return env.discord.message(found.id);
}

const waitForMarker = (env: E2E, id: string) =>
  env.discord.waitForMessage(
    (m) => m.embeds.some((e) => e.title?.startsWith('📍') && e.footer?.text === `Deploy ${id}`),
    WAIT,
  );

async function until<T>(what: string, read: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const runOf = (env: E2E, runId: number) => env.github.runs(API).find((r) => r.id === runId);

/** The deploy the bot made for a run GitHub holds: its id from the bot's log line. */
async function deployForRun(env: E2E, runId: number): Promise<string> {
  const line = await env.bot.waitForLog(
    (l) => l.msg === 'deployment protection rule: deploy from GitHub' && l.runId === runId,
    20_000,
  );
  return String(line.deployId);
}

describe('Discord as GitHub deployment protection rule (real bot process, GitHub App)', () => {
  it('a run the bot dispatched for an approved prod deploy is approved at once', async () => {
    const env = e2e();
    // The prod gate needs the SHA verified on staging (staging is not protected here).
    const staged = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
      .response(WAIT);
    const stagingId = /\b(D[0-9A-Z]{8})\b/.exec(staged.content)?.[1] ?? '';
    await waitForMarker(env, stagingId);
    await until('Verified offered', () =>
      JSON.stringify(card(env, stagingId).components).includes('"label":"Verified"') ? true : undefined,
    );
    await env.discord.click('alice', card(env, stagingId), 'Verified').response(WAIT);
    await env.discord.waitForMessage(
      (m) => isCardOf(stagingId)(m) && m.embeds.some((e) => e.description?.includes('✔️ Verified')),
      WAIT,
    );

    const asked = await env.discord
      .runCommand('alice', 'deploy', { service: 'api', env: 'prod' })
      .response(WAIT);
    const id = /\b(D[0-9A-Z]{8})\b/.exec(asked.content)?.[1] ?? '';
    await env.discord.click('bob', card(env, id), 'Approve').response(WAIT);
    await waitForMarker(env, id);
    // GitHub's answer for this deploy's own run (earlier tests' runs have answers of their own).
    const run = env.github.runs(API).find((r) => r.workflow === 'deploy.yml' && r.inputs.deploy_id === id);
    const answers = env.github.protectionAnswers().filter((a) => a.runId === run?.id);
    expect(answers).toHaveLength(1);
    const [answer] = answers;
    expect(answer).toMatchObject({ environment: 'prod', state: 'approved' });
    expect(answer?.comment).toContain(id);
    expect(runOf(env, answer?.runId ?? 0)?.conclusion).toBe('success');
  });

  it('a deploy started on GitHub waits for an R5 in Discord; the run goes on only after the approval', async () => {
    const env = e2e();
    const run = env.github.dispatchFromGitHub(API, 'prod', { login: 'chen' });
    expect(run.status).toBe('waiting');
    const id = await deployForRun(env, run.id);
    const posted = await env.discord.waitForMessage(isCardOf(id), WAIT);
    expect(JSON.stringify(posted.embeds)).toContain('chen');
    // Held: GitHub has no answer and the run does not start while nobody approved.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(runOf(env, run.id)?.status).toBe('waiting');
    expect(env.github.protectionAnswers().filter((a) => a.runId === run.id)).toEqual([]);

    expect((await env.discord.click('alice', card(env, id), 'Approve').response(WAIT)).content).toMatch(/R5/);
    expect(runOf(env, run.id)?.status).toBe('waiting');
    await env.discord.click('bob', card(env, id), 'Approve').response(WAIT);
    await waitForMarker(env, id);
    expect(env.github.protectionAnswers().filter((a) => a.runId === run.id)).toEqual([
      expect.objectContaining({
        state: 'approved',
        comment: expect.stringMatching(/Approved in Discord by bob/),
      }),
    ]);
    expect(runOf(env, run.id)?.conclusion).toBe('success');
  });

  it('during a freeze a deploy started on GitHub is rejected, the comment naming the freeze', async () => {
    const env = e2e();
    await env.discord
      .runCommand('bob', 'freeze', { duration: '1h', reason: 'release party' }, { subcommand: 'start' })
      .response(WAIT);
    const run = env.github.dispatchFromGitHub(API, 'prod', { login: 'chen' });
    const answer = await until('an answer', () =>
      env.github.protectionAnswers().find((a) => a.runId === run.id),
    );
    expect(answer.state).toBe('rejected');
    expect(answer.comment).toMatch(/FROZEN/);
    expect(answer.comment).toMatch(/release party/);
    await until('the run ends', () => (runOf(env, run.id)?.status === 'completed' ? true : undefined));
    expect(runOf(env, run.id)?.conclusion).toBe('failure');
  });
});
