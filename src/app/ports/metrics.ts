import type { MetricReading } from '../../domain/analysis.js';

export type { MetricReading } from '../../domain/analysis.js';

/**
 * Where the analysis reads its metrics (§15, §8): an instant PromQL query, answered as the samples' values,
 * no data, or an error (unreachable, bad query). Never throws: an answer nobody can read is inconclusive.
 */
export interface MetricsProvider {
  query(promql: string, at?: Date): Promise<MetricReading>;
}
