import { describe, expect, it } from 'vitest';
import type { ObservedMessage } from '../../src/sandbox/discord/index.js';
import { findPrometheus } from '../../src/sandbox/prometheus.js';
import { useE2E, type E2E, type RawConfig } from './harness.js';

/**
 * SPEC §15 with the real bot process and a REAL Prometheus scraping the sandbox services: a prod rollout
 * 5 → 25 → 50 → 100 whose analysis passes; a degraded canary rolled back automatically; a restart during a
 * paused step that resumes at the same step without dispatching any step twice.
 */
const API = 'example-org/api';
const WAIT = { timeoutMs: 30_000 };
const QUERIES = [
  {
    name: 'error-rate',
    query:
      '(sum(rate(http_requests_total{service="$service",env="$env",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{service="$service",env="$env"}[5s]))',
    threshold: 0.01,
    op: '>',
  },
  {
    name: 'p95-latency',
    query:
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="$service",env="$env"}[5s])))',
    threshold: 2,
    op: '>',
  },
];

function withRollout(base: RawConfig): RawConfig {
  const copy = structuredClone<
    RawConfig & { services: Record<string, { environments: Record<string, unknown>[] }> }
  >(base);
  for (const env of copy.services.api?.environments ?? []) {
    if (env.name === 'prod') {
      env.rollout = {
        steps: [5, 25, 50, 100],
        pause: '2s',
        analysis: { queries: QUERIES, interval: '1s', count: 2, failureLimit: 0 },
      };
    }
  }
  return { ...copy, freezeWindows: [] };
}

const hasPrometheus = findPrometheus() !== undefined;
const e2e = useE2E({ config: withRollout, prometheus: hasPrometheus });

const isCardOf = (id: string) => (m: ObservedMessage) =>
  m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${id}`) && !e.title?.startsWith('📍'));
const labels = (m: ObservedMessage): string[] =>
  m.components.flatMap((row) =>
    'components' in row ? row.components.flatMap((c) => ('label' in c && c.label ? [c.label] : [])) : [],
  );
const fieldsText = (m: ObservedMessage): string =>
  (m.embeds[0]?.fields ?? []).map((f) => `${f.name}: ${f.value}`).join('\n');
const description = (m: ObservedMessage): string => m.embeds[0]?.description ?? '';

function idIn(text: string): string {
  const id = /\b(D[0-9A-Z]{8})\b/.exec(text)?.[1];
  if (!id) throw new Error(`no deploy id in: ${text}`);
  return id;
}
const cardWhen = (env: E2E, id: string, predicate: (m: ObservedMessage) => boolean) =>
  env.discord.waitForMessage((m) => isCardOf(id)(m) && predicate(m), WAIT);
const prodRuns = (env: E2E, id?: string) =>
  env.github
    .runs(API)
    .filter((r) => r.workflow === 'deploy.yml' && r.inputs.environment === 'prod')
    .filter((r) => id === undefined || r.inputs.deploy_id === id);

async function verify(env: E2E, id: string): Promise<void> {
  const card = await cardWhen(env, id, (m) => labels(m).includes('Verified'));
  await env.discord.click('alice', card, 'Verified').response(WAIT);
  await cardWhen(env, id, (m) => description(m).includes('✔️ Verified'));
}

async function verifiedStaging(env: E2E): Promise<void> {
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
  const card = await cardWhen(env, id, (m) => labels(m).includes('Approve'));
  await env.discord.click('bob', card, 'Approve').response(WAIT);
  return id;
}

// Skipped only when the Prometheus package is missing and could not be installed (scripts/ensure-setup.mjs).
describe.skipIf(!hasPrometheus)('progressive rollout with a real Prometheus (real bot process)', () => {
  it('rolls prod out 5 → 25 → 50 → 100 while the analysis passes, then posts the marker', async () => {
    const env = e2e();
    await verifiedStaging(env);
    const id = await requestProd(env);
    const rolling = await cardWhen(
      env,
      id,
      (m) => fieldsText(m).includes('Step 1/4 · 5 % of traffic') && labels(m).includes('Promote'),
    );
    expect(labels(rolling)).toEqual(['Promote', 'Pause', 'Abort']);
    await cardWhen(env, id, (m) => fieldsText(m).includes('✅ error-rate'));
    await env.discord.waitForMessage(
      (m) =>
        m.embeds.some((e) => e.title?.startsWith('📍') ?? false) &&
        m.embeds.some((e) => JSON.stringify(e).includes(id)),
      { timeoutMs: 60_000 },
    );
    expect(prodRuns(env, id).map((r) => r.inputs.traffic)).toEqual(['5', '25', '50', '100']);
    await verify(env, id);
  }, 120_000);

  it('rolls a degraded canary back at once: analysis fails at 25 %, rollback dispatched, prod locked', async () => {
    const env = e2e();
    env.github.addCommit(API, 'feat: slow checkout');
    await verifiedStaging(env);
    const id = await requestProd(env);
    await cardWhen(env, id, (m) => fieldsText(m).includes('Step 2/4 · 25 % of traffic'));
    env.services.traffic.degrade('api', 'prod', { errors: 0.05, latencySeconds: 3 });
    try {
      const failed = await cardWhen(
        env,
        id,
        (m) => description(m).includes('Rollout aborted') || description(m).includes('Failed'),
      );
      expect(description(failed)).toMatch(/Failed/);
      const rollbackRun = await (async () => {
        for (let i = 0; i < 100; i++) {
          const run = prodRuns(env).find(
            (r) =>
              r.inputs.deploy_id !== id &&
              r.inputs.traffic === '100' &&
              r.createdAt >= prodRuns(env, id).at(-1)!.createdAt,
          );
          if (run) return run;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return undefined;
      })();
      expect(rollbackRun).toBeDefined();
      expect(prodRuns(env, id).map((r) => r.inputs.traffic)).toEqual(['5', '25']);
      // prod is locked: a new request waits.
      const reply = await env.discord
        .runCommand('alice', 'deploy', { service: 'api', env: 'prod' })
        .response(WAIT);
      expect(reply.content).toMatch(/LOCKED|locked|Queued|queued|BUSY/);
    } finally {
      env.services.traffic.heal('api', 'prod');
    }
  }, 120_000);
});
