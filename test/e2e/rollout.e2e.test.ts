import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { useE2E, type E2E } from './harness.js';
import { buttonsOf, cardText, isCardOf, isMarkerOf } from './support/deploy-view.js';
import { fieldsText, hasPrometheus, withApiRollout } from './support/rollout-view.js';

/**
 * SPEC §15 with the real bot process and a REAL Prometheus scraping the sandbox services: a degraded canary
 * rolled back automatically, and a restart during a step's pause that resumes at the same step without
 * dispatching any step twice. (The whole flow from a push, with the analysis passing at every step, is in
 * continuous-delivery.e2e.test.ts.)
 */
const API = 'example-org/api';
const WAIT = { timeoutMs: 30_000 };
const LONG = { timeoutMs: 60_000 };

const e2e = useE2E({ config: withApiRollout, prometheus: hasPrometheus });

function idIn(text: string): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}
const cardWhen = (env: E2E, id: string, predicate: (m: ObservedMessage) => boolean, wait = WAIT) =>
  env.discord.waitForMessage((m) => isCardOf(id)(m) && predicate(m), wait);
const atStep = (step: number) => (m: ObservedMessage) =>
  fieldsText(m).includes(`Step ${step}/4 · `) && buttonsOf(m).includes('Promote');
const prodRuns = (env: E2E, id?: string) =>
  env.github
    .runs(API)
    .filter((r) => r.workflow === 'deploy.yml' && r.inputs.environment === 'prod')
    .filter((r) => id === undefined || r.inputs.deploy_id === id);
const trafficOf = (env: E2E, id: string) => prodRuns(env, id).map((r) => r.inputs.traffic);

async function verify(env: E2E, id: string): Promise<void> {
  const card = await cardWhen(env, id, (m) => buttonsOf(m).includes('Verified'), LONG);
  await env.discord.click('alice', card, 'Verified').response(WAIT);
  await cardWhen(env, id, (m) => cardText(m).includes('✔️ Verified'));
}

/** A new commit on api, deployed and verified on staging (what a prod deploy of it needs). */
async function verifiedStaging(env: E2E, title: string): Promise<void> {
  env.github.addCommit(API, title);
  const reply = await env.discord
    .runCommand('alice', 'deploy', { service: 'api', env: 'staging' })
    .response(WAIT);
  await verify(env, idIn(reply.content));
}

async function requestProd(env: E2E): Promise<string> {
  const reply = await env.discord
    .runCommand('alice', 'deploy', { service: 'api', env: 'prod', reason: 'rollout' })
    .response(WAIT);
  const id = idIn(reply.content);
  // Each test leaves prod open: a request that waits means an earlier one left something behind.
  expect(reply.content).not.toMatch(/queued|refused/i);
  const card = await cardWhen(env, id, (m) => buttonsOf(m).includes('Approve'));
  await env.discord.click('bob', card, 'Approve').response(WAIT);
  return id;
}

/** A verified version on prod to roll back to, rolled out quickly: Promote at every step. */
async function verifiedProd(env: E2E): Promise<void> {
  await verifiedStaging(env, 'feat: checkout v1');
  const id = await requestProd(env);
  for (const step of [1, 2, 3]) {
    const card = await cardWhen(env, id, atStep(step));
    await env.discord.click('bob', card, 'Promote').response(WAIT);
  }
  await env.discord.waitForMessage(isMarkerOf(id), LONG);
  await verify(env, id);
}

// Skipped only when the Prometheus package is missing and could not be installed (scripts/ensure-setup.mjs).
describe.skipIf(!hasPrometheus)('progressive rollout with a real Prometheus (real bot process)', () => {
  it('rolls a degraded canary back at once: analysis fails at 25 %, rollback dispatched, prod locked, R5s told', async () => {
    const env = e2e();
    await verifiedProd(env);
    await verifiedStaging(env, 'feat: slow checkout');
    const id = await requestProd(env);
    await cardWhen(env, id, atStep(2));
    env.services.traffic.degrade('api', 'prod', { errors: 0.05, latencySeconds: 3 });
    try {
      const failed = await cardWhen(env, id, (m) => cardText(m).includes('Failed'));
      // The env is locked as faulty (the card says so) and the 50 % step never went out.
      expect(cardText(failed)).toContain('env locked');
      expect(cardText(failed)).toMatch(/Analysis "(error-rate|p95-latency)" failed/);
      expect(trafficOf(env, id)).toEqual(['5', '25']);
      // The automatic rollback: no approval, all the traffic, and the R5s asked to acknowledge it.
      const ack = await env.discord.waitForMessage(
        (m) => m.content.includes('emergency rollback') && m.content.includes('api → prod'),
        WAIT,
      );
      expect(ack.ping.roles).toEqual([env.config.discord.roles.r5]);
      const rollbackId = idIn(ack.content);
      expect(trafficOf(env, rollbackId)).toEqual(['100']);
      // Its success releases the faulty lock: prod is open again for the next test.
      await cardWhen(env, rollbackId, (m) => cardText(m).includes('Succeeded'), LONG);
    } finally {
      env.services.traffic.heal('api', 'prod');
    }
  }, 180_000);

  it('a bot killed during a step’s pause resumes at the same step after the restart; no step goes out twice', async () => {
    const env = e2e();
    await verifiedStaging(env, 'feat: resumable checkout');
    const id = await requestProd(env);
    await cardWhen(env, id, atStep(2));
    env.bot.kill('SIGKILL');
    await env.bot.exited;
    // Killed while the 25 % step waited: nothing after it went out.
    expect(trafficOf(env, id)).toEqual(['5', '25']);
    await env.bot.restart();
    await env.discord.waitForMessage(isMarkerOf(id), LONG);
    // GitHub's record: each step's traffic dispatched exactly once, in order.
    expect(trafficOf(env, id)).toEqual(['5', '25', '50', '100']);
    await verify(env, id);
  }, 120_000);
});
