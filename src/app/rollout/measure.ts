import { measure, renderQuery, type AnalysisQuery, type Measurement } from '../../domain/analysis.js';
import type { MetricsProvider } from '../ports/metrics.js';

/**
 * One measurement of every query for one service+env (one tick of an analysis), side by side. The provider
 * never throws; a read that does anyway counts as inconclusive, like an error answer.
 */
export async function measureQueries(
  metrics: MetricsProvider,
  queries: readonly AnalysisQuery[],
  target: { readonly service: string; readonly env: string },
  now: Date,
): Promise<Measurement[]> {
  return Promise.all(
    queries.map(async (query) => {
      const reading = await metrics
        .query(renderQuery(query.query, target), now)
        .catch((error: unknown) => ({ kind: 'error' as const, message: String(error) }));
      return measure(query, reading, now);
    }),
  );
}
