import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';
import { isMarkerOf } from './support/deploy-view.js';
import { analysisByStep, hasPrometheus, withApiRollout } from './support/rollout-view.js';

const WAIT = { timeoutMs: 30_000 };
const API = 'example-org/api';
const WEB = 'example-org/web';

const e2e = useE2E({
  config: (raw) => {
    // api prod rolls out 5 → 25 → 50 → 100 with the analysis read from a real Prometheus (§15).
    const base = withApiRollout(raw);
    return {
      ...base,
      services: Object.fromEntries(
        Object.entries(base.services).map(([name, s]) => [
          name,
          name === 'api' ? { ...s, autoDeploy: 'staging' } : s,
        ]),
      ),
      // The webhooks and the poll (the fallback, short here) both see the push: still one deploy.
      continuousDelivery: { pollInterval: '2s' },
    };
  },
  githubWebhooks: true,
  runTiming: { queuedMs: 200, inProgressMs: 600 },
  prometheus: hasPrometheus,
});

const field = (m: ObservedMessage, name: string): string | undefined =>
  m.embeds.flatMap((e) => e.fields ?? []).find((f) => f.name === name)?.value;

function buttonLabels(message: ObservedMessage): string[] {
  return message.components
    .flatMap((row) => ('components' in row ? (row.components as unknown[]) : []))
    .map((c) => (c && typeof c === 'object' && 'label' in c ? String(c.label) : ''));
}

const cardOf = (service: string, env: string) => (m: ObservedMessage) =>
  m.embeds.some((e) => e.title === `🚀 Deploy ${service} → ${env}`);
const footerId = (m: ObservedMessage): string =>
  /Deploy (D[0-9A-Z]{8})/.exec(m.embeds[0]?.footer?.text ?? '')?.[1] ?? '';

function deployIdOf(text: string): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}

const runsOf = (env: E2E, repo: string, environment: string) =>
  env.github.runs(repo).filter((r) => r.inputs.environment === environment && r.workflow === 'deploy.yml');

describe('continuous delivery and scheduled deploys (real bot process, webhooks)', () => {
  // Skipped only when the Prometheus package is missing and could not be installed (scripts/ensure-setup.mjs):
  // the rollout's analysis reads a real one, and without it fails closed.
  it.skipIf(!hasPrometheus)(
    'a push to main: auto staging deploy → verified → promotion card → approval → rollout 5 → 25 → 50 → 100 → marker',
    async () => {
      const env = e2e();
      const sha = env.github.push(API, 'fix: something', { ciMs: 1_000 });

      const staging = await env.discord.waitForMessage(
        (m) =>
          cardOf('api', 'staging')(m) &&
          field(m, 'Requested by') === 'auto' &&
          buttonLabels(m).includes('Verified'),
        WAIT,
      );
      expect(field(staging, 'SHA')).toContain(sha.slice(0, 7));
      expect(runsOf(env, API, 'staging').filter((r) => r.inputs.sha === sha)).toHaveLength(1);
      await env.discord.click('alice', staging, 'Verified').response(WAIT);

      const promotion = await env.discord.waitForMessage(
        (m) => cardOf('api', 'prod')(m) && buttonLabels(m).includes('Approve'),
        WAIT,
      );
      expect(field(promotion, 'Requested by')).toBe('auto');
      expect(field(promotion, 'Promotion of')).toContain(footerId(staging));
      expect(field(promotion, 'Gates')).not.toContain('❌');
      expect(promotion.ping.roles).toEqual([env.config.discord.roles.r5]);
      const id = footerId(promotion);

      const LONG = { timeoutMs: 90_000 };
      const marker = env.discord.waitForMessage(isMarkerOf(id), LONG);

      // Four eyes with `auto` as requester: any R5 approves; an R4 may not.
      const byAlice = await env.discord.click('alice', promotion, 'Approve').response(WAIT);
      expect(byAlice.content).toMatch(/R5/);
      const byBob = await env.discord.click('bob', promotion, 'Approve').response(WAIT);
      expect(byBob.content).toMatch(/Dispatched api → prod/);

      const live = await marker;
      // Each step before the last had both queries pass twice before the next step went out, never a
      // failure (from the audit trail: the card converges on the newest state, so it may skip one).
      const steps = await analysisByStep(env.env.MONGODB_URI ?? '', id, (all) => all.length >= 4);
      expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
      for (const s of steps.slice(0, 3)) expect(s, `step ${s.step}`).toMatchObject({ failed: 0 });
      for (const s of steps.slice(0, 3)) expect(s.passed, `step ${s.step}`).toBeGreaterThanOrEqual(2);
      expect(live.embeds[0]?.title).toMatch(/^📍 api .* is live on prod$/);
      expect(field(live, 'Requested by')).toBe('auto');
      expect(field(live, 'Approved by')).toBe('bob');
      // One dispatch per step, each with its traffic share, all of the pushed SHA.
      const prodRuns = runsOf(env, API, 'prod').filter((r) => r.inputs.deploy_id === id);
      expect(prodRuns.map((r) => r.inputs.traffic)).toEqual(['5', '25', '50', '100']);
      expect(new Set(prodRuns.map((r) => r.inputs.sha))).toEqual(new Set([sha]));
      // Two CI webhooks (check_suite and status) and the poll looked at the same commit: one staging deploy.
      expect(runsOf(env, API, 'staging').filter((r) => r.inputs.sha === sha)).toHaveLength(1);
    },
    120_000,
  );

  it('a scheduled deploy survives a restart and fires once at its time', async () => {
    const env = e2e();
    const runsBefore = runsOf(env, WEB, 'staging').length;
    const reply = await env.discord
      .runCommand('alice', 'deploy', { service: 'web', env: 'staging', at: 'in 12s' })
      .response(WAIT);
    expect(reply.content).toMatch(/Scheduled web → staging/);
    const id = deployIdOf(reply.content);
    const list = await env.discord.runCommand('bob', 'schedule', {}, { subcommand: 'list' }).response(WAIT);
    expect(list.content).toContain(id);

    await env.bot.restart();
    expect(runsOf(env, WEB, 'staging')).toHaveLength(runsBefore);
    await env.discord.waitForMessage(
      (m) =>
        footerId(m) === id && cardOf('web', 'staging')(m) && /Succeeded/.test(m.embeds[0]?.description ?? ''),
      WAIT,
    );
    // Well past its time, still exactly one run.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(runsOf(env, WEB, 'staging').filter((r) => r.inputs.deploy_id === id)).toHaveLength(1);
  });

  it('a scheduled deploy that meets a freeze at its time queues', async () => {
    const env = e2e();
    const reply = await env.discord
      .runCommand('alice', 'deploy', { service: 'web', env: 'staging', at: 'in 6s' })
      .response(WAIT);
    const id = deployIdOf(reply.content);
    const freeze = await env.discord
      .runCommand(
        'bob',
        'freeze',
        { duration: '10m', reason: 'raid night', env: 'staging' },
        { subcommand: 'start' },
      )
      .response(WAIT);
    expect(freeze.content).toMatch(/raid night|Frozen|freeze/i);
    const queued = await env.discord.waitForMessage(
      (m) => footerId(m) === id && /Queued/.test(m.embeds[0]?.description ?? ''),
      WAIT,
    );
    expect(queued.embeds[0]?.description).toContain('FROZEN');
    expect(runsOf(env, WEB, 'staging').filter((r) => r.inputs.deploy_id === id)).toHaveLength(0);
  });
});
