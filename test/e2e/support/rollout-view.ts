import type { ObservedMessage } from '../../../src/sandbox/discord/index.js';
import { findPrometheus } from '../../../src/sandbox/prometheus.js';
import type { RawConfig } from './config-file.js';
import { isCardOf } from './deploy-view.js';

/** Whether the e2e rollouts can run: they read a REAL Prometheus scraping the sandbox services. */
export const hasPrometheus = findPrometheus() !== undefined;

/** The default analysis (5xx ratio > 1 %, p95 > 2 s) over 5-second windows, so a test sees it move. */
export const ROLLOUT_QUERIES = [
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

/** api prod rolls out 5 → 25 → 50 → 100: a 2 s pause, two measurements a second apart, no failure allowed. */
export function withApiRollout(base: RawConfig): RawConfig {
  const copy = structuredClone<
    RawConfig & { services: Record<string, { environments: Record<string, unknown>[] }> }
  >(base);
  for (const env of copy.services.api?.environments ?? []) {
    if (env.name === 'prod') {
      env.rollout = {
        steps: [5, 25, 50, 100],
        pause: '2s',
        analysis: { queries: ROLLOUT_QUERIES, interval: '1s', count: 2, failureLimit: 0 },
      };
    }
  }
  return { ...copy, freezeWindows: [] };
}

export const fieldsText = (m: ObservedMessage): string =>
  (m.embeds[0]?.fields ?? []).map((f) => `${f.name}: ${f.value}`).join('\n');

/** The card of `id` at rollout step `step` (1-based) with every query's analysis passed (both measured). */
export const analysisPassedAt =
  (id: string, step: number) =>
  (m: ObservedMessage): boolean => {
    const text = fieldsText(m);
    return (
      isCardOf(id)(m) &&
      text.includes(`Step ${step}/4 · `) &&
      ROLLOUT_QUERIES.every((q) => new RegExp(`✅ ${q.name}: [^\\n]* \\(2 measured\\)`).test(text))
    );
  };
