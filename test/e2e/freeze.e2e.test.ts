import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';

const WAIT = { timeoutMs: 20_000 };
const WINDOW = 'E2E window';

/**
 * A recurring window that begins soon after the bot starts: cron has minute precision, so the start is the
 * next whole minute at least 20 s away and the buffer is stretched back to ~8 s from now. A bot that starts
 * slower than that still announces the buffer start (late: the planner looks back a few minutes).
 */
function windowStartingSoon(): {
  cron: string;
  bufferBefore: string;
  duration: string;
  startsAt: Date;
  endsAt: Date;
} {
  const now = Date.now();
  const start = Math.ceil((now + 20_000) / 60_000) * 60_000;
  const at = new Date(start);
  const durationS = 75;
  return {
    cron: `${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`,
    bufferBefore: `${Math.round((start - (now + 8_000)) / 1000)}s`,
    duration: `${durationS}s`,
    startsAt: at,
    endsAt: new Date(start + durationS * 1000),
  };
}

const window = windowStartingSoon();
const e2e = useE2E({
  config: (base) => ({
    ...base,
    freezeWindows: [
      {
        name: WINDOW,
        cron: window.cron,
        duration: window.duration,
        bufferBefore: window.bufferBefore,
        timezone: 'UTC',
        envs: ['prod'],
      },
    ],
  }),
  runTiming: { queuedMs: 200, inProgressMs: 600 },
});

const titled = (prefix: string) => (m: ObservedMessage) => m.embeds.some((e) => e.title?.startsWith(prefix));

function deployIdOf(text: string): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}

function card(env: E2E, id: string): ObservedMessage {
  const found = env.discord
    .history()
    .find((m) =>
      m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${id}`) && !e.title?.startsWith('📍')),
    );
  if (!found) throw new Error(`no card for ${id}`);
  return env.discord.message(found.id);
}

function buttonLabels(message: ObservedMessage): string[] {
  return message.components
    .flatMap((row) => ('components' in row ? (row.components as unknown[]) : []))
    .map((c) => (c && typeof c === 'object' && 'label' in c ? String(c.label) : ''));
}

/** A green staging deploy of `service`, verified by an R4 as the card asks (prod needs it verified). */
async function greenStaging(env: E2E, service: string): Promise<string> {
  const reply = await env.discord.runCommand('alice', 'deploy', { service, env: 'staging' }).response(WAIT);
  expect(reply.content).toMatch(new RegExp(`Dispatched ${service} → staging`));
  const id = deployIdOf(reply.content);
  const asking = await env.discord.waitForMessage(
    (m) =>
      m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${id}`) && !e.title?.startsWith('📍')) &&
      buttonLabels(m).includes('Verified'),
    WAIT,
  );
  await env.discord.click('alice', asking, 'Verified').response(WAIT);
  // Verified once the health check agrees too: wait for the card to say so.
  await env.discord.waitForMessage(
    (m) =>
      m.embeds.some(
        (e) => e.footer?.text.startsWith(`Deploy ${id}`) && (e.description ?? '').includes('✔️ Verified'),
      ),
    WAIT,
  );
  return id;
}

const prodRuns = (env: E2E, repo: string) =>
  env.github.runs(repo).filter((r) => r.inputs.environment === 'prod' && r.workflow === 'deploy.yml');

/** The buffer before the window has begun (the message stays in the history, so later phases count too). */
const bufferStarted = (env: E2E) =>
  env.discord.waitForMessage(titled(`🧊 ${WINDOW} — buffer started`), { timeoutMs: 60_000 });

/** alice asks for `service` → prod while prod is frozen: queued FROZEN; resolves with the request's id. */
async function queuedProd(env: E2E, service: string): Promise<{ reply: ObservedMessage; id: string }> {
  const reply = await env.discord.runCommand('alice', 'deploy', { service, env: 'prod' }).response(WAIT);
  expect(reply.content).toMatch(new RegExp(`Queued ${service} → prod .*FROZEN`));
  return { reply, id: deployIdOf(reply.content) };
}

const offerOf = (id: string) => (m: ObservedMessage) =>
  m.content.includes(`your queued deploy ${id}`) && buttonLabels(m).includes('Deploy now');

// One real window for the whole file: each test waits for the phase it needs and queues its own requests.
// Every request here is alice's: a newer one supersedes her own older waiting one for the same service and
// env, so the one the last test queues is the head of api → prod's queue when the freeze ends.
describe('a recurring freeze window, the queue and the emergency override (real bot process)', () => {
  it('announces the buffer start, queues prod with FROZEN naming the window and its end, and keeps staging open', async () => {
    const env = e2e();
    const buffer = await bufferStarted(env);
    expect(buffer.embeds[0]?.description).toContain(`<t:${Math.floor(window.endsAt.getTime() / 1000)}:f>`);
    expect(buffer.ping.users).toHaveLength(0);
    expect(buffer.ping.roles).toHaveLength(0);

    await greenStaging(env, 'api'); // staging stays open during a prod freeze
    const runsBefore = prodRuns(env, 'example-org/api').length;
    const { reply, id } = await queuedProd(env, 'api');
    expect(reply.content).toMatch(/Queued api → prod/);
    expect(reply.content).toContain('FROZEN');
    expect(reply.content).toContain(WINDOW);
    expect(reply.content).toMatch(/until \w{3} \d+ \w{3} \d{2}:\d{2} Europe\/London/);
    expect(buttonLabels(card(env, id))).toContain('Override freeze');
    expect(prodRuns(env, 'example-org/api')).toHaveLength(runsBefore);

    const list = await env.discord.runCommand('dave', 'freeze', {}, { subcommand: 'list' }).response(WAIT);
    expect(list.embeds[0]?.description).toContain(WINDOW);
    expect(list.embeds[0]?.description).toContain(`<t:${Math.floor(window.startsAt.getTime() / 1000)}:f>`);
  }, 90_000);

  it('R4 cannot override; an R5 overrides through the modal, another R5 approves, one dispatch, audited with the plan', async () => {
    const env = e2e();
    await bufferStarted(env);
    await greenStaging(env, 'web');
    const runsBefore = prodRuns(env, 'example-org/web').length;
    const { id } = await queuedProd(env, 'web');
    const queued = card(env, id);
    expect(buttonLabels(queued)).toContain('Override freeze');

    const denied = await env.discord.click('alice', queued, 'Override freeze').response(WAIT);
    expect(denied.content).toMatch(/R5 role to override/);
    expect(denied.visibleTo).toBe(env.discord.user('alice').id);

    const click = env.discord.click('bob', queued, 'Override freeze');
    const modal = await click.modal(WAIT);
    expect(modal.title).toMatch(/Override freeze/);
    const plan = 'Roll back with /rollback web prod to the previous version; bob watches the dashboards';
    const submitted = await env.discord.submitModal('bob', click, {
      reason: 'checkout is down @everyone',
      rollback_plan: plan,
    });
    const answer = await submitted.response(WAIT);
    expect(answer.content).toMatch(/Approval requested for web → prod/); // four-eyes: still needs an R5's approval
    const posted = await env.discord.waitForMessage(
      titled(`🚨 FROZEN overridden for web → prod (${id})`),
      WAIT,
    );
    expect(JSON.stringify(posted.embeds)).toContain('checkout is down @\u200beveryone');
    expect(posted.ping.everyone).toBe(false);
    expect(prodRuns(env, 'example-org/web')).toHaveLength(runsBefore);

    const approved = await env.discord.click('carol', card(env, id), 'Approve').response(WAIT);
    expect(approved.content).toMatch(/Dispatched web → prod/);
    expect(prodRuns(env, 'example-org/web')).toHaveLength(runsBefore + 1);
    expect(prodRuns(env, 'example-org/web').at(-1)?.inputs.deploy_id).toBe(id);
    // The override was for that one deploy: a new request for web → prod still waits for the freeze.
    await env.discord.waitForMessage(
      (m) => m.embeds.some((e) => e.title?.startsWith('📍') && e.footer?.text === `Deploy ${id}`),
      WAIT,
    );
    const next = await queuedProd(env, 'web');
    expect(buttonLabels(card(env, next.id))).toContain('Override freeze');
    expect(prodRuns(env, 'example-org/web')).toHaveLength(runsBefore + 1);

    const audit = await env.discord
      .runCommand('bob', 'audit', { service: 'web', format: 'json' })
      .response(WAIT);
    const exported = audit.files.map((f) => f.content.toString('utf8')).join('\n');
    const entries = JSON.parse(exported) as {
      action: string;
      deployId?: string;
      details?: Record<string, unknown>;
    }[];
    const entry = entries.find((e) => e.action === 'deploy.override' && e.deployId === id);
    expect(entry?.details).toMatchObject({ gate: 'FROZEN', rollbackPlan: plan });
  }, 90_000);

  it('announces the start and the end, and offers the queued request to its requester again', async () => {
    const env = e2e();
    await bufferStarted(env);
    await greenStaging(env, 'api');
    // Supersedes alice's own older api → prod request, if an earlier test left one waiting: this one is the head.
    const { id } = await queuedProd(env, 'api');
    const until = window.endsAt.getTime() - Date.now() + 30_000;
    await env.discord.waitForMessage(titled(`❄️ ${WINDOW} — freeze started`), { timeoutMs: until });
    await env.discord.waitForMessage(titled(`☀️ ${WINDOW} — freeze ended`), { timeoutMs: until });
    const offer = await env.discord.waitForMessage(offerOf(id), { timeoutMs: 30_000 });
    expect(offer.ping.users).toHaveLength(0);
    // Only the head of api → prod's queue is offered: this request, and no other.
    expect(
      env.discord
        .history()
        .filter((m) => m.content.includes('your queued deploy') && m.content.includes('(api → prod)')),
    ).toHaveLength(1);
    // Each transition was announced once.
    for (const title of ['🧊', '❄️', '☀️']) {
      expect(env.discord.history().filter(titled(`${title} ${WINDOW}`))).toHaveLength(1);
    }
    const resumed = await env.discord.click('alice', offer, 'Deploy now').response(WAIT);
    expect(resumed.content).toMatch(/Approval requested for api → prod/);
  }, 200_000);
});
