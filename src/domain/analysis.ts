/**
 * Metric analysis (§15, §8) with Argo Rollouts' semantics: each query is measured every `interval` until it
 * has `count` readings; a reading whose value breaches the threshold is a failure; the analysis fails as soon
 * as the failures exceed `failureLimit`, and succeeds once every query has its `count` readings without that.
 * A query that returns no data, or whose read failed, is inconclusive: it is measured again, and fails the
 * analysis once it stays inconclusive more than `consecutiveErrorLimit` times in a row (Argo's default, 4).
 * So a missed scrape or a Prometheus restart does not roll a healthy canary back, and a canary nobody can
 * measure is never promoted: it fails closed. Pure: no I/O, no clock.
 */

export type ComparisonOp = '>' | '<';

/** One check: the measurement fails when `value op threshold` holds (e.g. 5xx ratio > 0.01). */
export interface AnalysisQuery {
  readonly name: string;
  /** PromQL; `$service` and `$env` are replaced by the deploy's. */
  readonly query: string;
  readonly threshold: number;
  readonly op: ComparisonOp;
}

export interface AnalysisSpec {
  readonly queries: readonly AnalysisQuery[];
  readonly interval: number;
  readonly count: number;
  readonly failureLimit: number;
  /** Inconclusive readings (no data, a failed read) of one query in a row that fail it, beyond this many. */
  readonly consecutiveErrorLimit: number;
}

/** What the metrics provider answered for one query (the port's result, as plain data). */
export type MetricReading =
  | { readonly kind: 'samples'; readonly values: readonly number[] }
  | { readonly kind: 'noData' }
  | {
      readonly kind: 'error';
      readonly message: string;
      /** Asking again cannot help (no metrics provider is configured): the analysis fails at once. */
      readonly lasting?: boolean;
    };

export type MeasurementPhase = 'successful' | 'failed' | 'inconclusive';

/** One measurement of one query, as the card shows it. */
export interface Measurement {
  readonly query: string;
  readonly phase: MeasurementPhase;
  /** The worst value of the answer (the one that decides), when there was one. */
  readonly value?: number;
  readonly at: string;
  readonly detail?: string;
  /** An inconclusive reading that asking again cannot change (see MetricReading). */
  readonly lasting?: boolean;
}

export type AnalysisPhase = 'running' | 'successful' | 'failed';

export interface AnalysisVerdict {
  readonly phase: AnalysisPhase;
  /** For people: which query failed and why. */
  readonly reason: string;
}

/**
 * 5xx ratio > 1 % or p95 latency > 2 s over 5 minutes fails (the defaults of the source documents). A service
 * with no 5xx series yet has a ratio of 0 (`or vector(0)`); one with no traffic at all has no data.
 */
export const DEFAULT_ANALYSIS_QUERIES: readonly AnalysisQuery[] = [
  {
    name: 'error-rate',
    query:
      '(sum(rate(http_requests_total{service="$service",env="$env",code=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total{service="$service",env="$env"}[5m]))',
    threshold: 0.01,
    op: '>',
  },
  {
    name: 'p95-latency',
    query:
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="$service",env="$env"}[5m])))',
    threshold: 2,
    op: '>',
  },
];

/** The PromQL of `query` for one service+env. Label values are quoted by the query's author. */
export function renderQuery(query: string, target: { service: string; env: string }): string {
  return query.replaceAll('$service', target.service).replaceAll('$env', target.env);
}

function breaches(value: number, query: AnalysisQuery): boolean {
  return query.op === '>' ? value > query.threshold : value < query.threshold;
}

/**
 * One reading judged against its query. A vector is judged by its worst sample; NaN (0/0 when there was no
 * traffic) is no data, not a pass.
 */
export function measure(query: AnalysisQuery, reading: MetricReading, at: Date): Measurement {
  const base = { query: query.name, at: at.toISOString() };
  if (reading.kind === 'error') {
    return {
      ...base,
      phase: 'inconclusive',
      detail: reading.message,
      ...(reading.lasting ? { lasting: true } : {}),
    };
  }
  const values = reading.kind === 'samples' ? reading.values.filter((v) => !Number.isNaN(v)) : [];
  if (values.length === 0) return { ...base, phase: 'inconclusive', detail: 'no data' };
  const worst = query.op === '>' ? Math.max(...values) : Math.min(...values);
  return { ...base, phase: breaches(worst, query) ? 'failed' : 'successful', value: worst };
}

/** The inconclusive readings of `query` since its last conclusive one. */
function errorStreak(mine: readonly Measurement[]): number {
  let streak = 0;
  for (let i = mine.length - 1; i >= 0 && mine[i]?.phase === 'inconclusive'; i -= 1) streak += 1;
  return streak;
}

/**
 * The analysis so far: failed once one query's failures exceed `failureLimit` or its inconclusive readings in
 * a row exceed `consecutiveErrorLimit`; successful when every query has `count` conclusive readings.
 */
export function judgeAnalysis(spec: AnalysisSpec, measurements: readonly Measurement[]): AnalysisVerdict {
  for (const query of spec.queries) {
    const mine = measurements.filter((m) => m.query === query.name);
    const failed = mine.filter((m) => m.phase === 'failed');
    if (failed.length > spec.failureLimit) {
      const value = failed.at(-1)?.value;
      const what =
        value !== undefined
          ? `last value ${formatValue(value)} ${query.op} ${formatValue(query.threshold)}`
          : 'over its threshold';
      return {
        phase: 'failed',
        reason: `Analysis "${query.name}" failed: ${failed.length} bad measurement(s), limit ${spec.failureLimit} (${what}).`,
      };
    }
    const latest = mine.at(-1);
    if (latest?.lasting) {
      return { phase: 'failed', reason: `Analysis "${query.name}" failed: ${latest.detail ?? 'no data'}.` };
    }
    const streak = errorStreak(mine);
    if (streak > spec.consecutiveErrorLimit) {
      return {
        phase: 'failed',
        reason: `Analysis "${query.name}" failed: no reading ${streak} times in a row, limit ${spec.consecutiveErrorLimit} (${mine.at(-1)?.detail ?? 'no data'}).`,
      };
    }
  }
  const complete = spec.queries.every(
    (query) =>
      measurements.filter((m) => m.query === query.name && m.phase !== 'inconclusive').length >= spec.count,
  );
  if (complete) return { phase: 'successful', reason: `All ${spec.queries.length} queries passed.` };
  return { phase: 'running', reason: '' };
}

export function lastMeasurement(
  measurements: readonly Measurement[],
  query: string,
): Measurement | undefined {
  return measurements.filter((m) => m.query === query).at(-1);
}

/** A value for people: 0.0123, 2.5, 1200. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(3)).toString();
}
