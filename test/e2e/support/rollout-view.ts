import mongoose from 'mongoose';
import type { ObservedMessage } from '../../../src/sandbox/discord/index.js';
import { findPrometheus } from '../../../src/sandbox/prometheus.js';
import type { RawConfig } from './config-file.js';

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

/** What the analysis measured at each step of a rollout, from the audit trail (the card shows only the newest). */
export interface StepAnalysis {
  readonly step: number;
  readonly passed: number;
  readonly failed: number;
}

/**
 * Reads deploy `deployId`'s audit entries from the bot's MongoDB: each `rollout.analysis.measured` entry
 * belongs to the step dispatched last before it; it passed when every query's value is a number within its
 * threshold, and failed when one is beyond it (or failed); an inconclusive one counts as neither.
 * Waits (bounded) until `enough` holds, since audit entries are written by the outbox.
 */
export async function analysisByStep(
  mongodbUri: string,
  deployId: string,
  enough: (steps: readonly StepAnalysis[]) => boolean,
  timeoutMs = 10_000,
): Promise<StepAnalysis[]> {
  const connection = await mongoose
    .createConnection(mongodbUri, { serverSelectionTimeoutMS: 5_000 })
    .asPromise();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const entries = await connection
        .collection<{ action: string; at: Date; details?: Record<string, unknown> }>('audit')
        .find({ deployId })
        .sort({ at: 1 })
        .toArray();
      const steps: { step: number; passed: number; failed: number }[] = [];
      for (const entry of entries) {
        if (entry.action === 'deploy.dispatch' || entry.action === 'deploy.advanceStep') {
          steps.push({ step: steps.length + 1, passed: 0, failed: 0 });
        } else if (entry.action === 'rollout.analysis.measured') {
          const current = steps.at(-1);
          if (!current) continue;
          const values = ROLLOUT_QUERIES.map((q) => ({ q, value: entry.details?.[q.name] }));
          const bad = values.some(
            ({ q, value }) => (typeof value === 'number' && value > q.threshold) || value === 'failed',
          );
          const good = values.every(({ q, value }) => typeof value === 'number' && value <= q.threshold);
          if (bad) current.failed += 1;
          else if (good) current.passed += 1;
        }
      }
      if (enough(steps) || Date.now() > until) return steps;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await connection.close();
  }
}
