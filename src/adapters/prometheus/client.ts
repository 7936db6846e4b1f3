import { z } from 'zod';
import type { MetricReading, MetricsProvider } from '../../app/ports/metrics.js';

const QUERY_TIMEOUT_MS = 5_000;

// The Prometheus HTTP API's envelope (GET /api/v1/query); values are [unixSeconds, "string number"].
const sampleValue = z.tuple([z.number(), z.string()]);
const answer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ value: sampleValue })) }),
      z.object({ resultType: z.literal('scalar'), result: sampleValue }),
      z.object({
        resultType: z.literal('matrix'),
        result: z.array(z.object({ values: z.array(sampleValue) })),
      }),
      z.object({ resultType: z.literal('string'), result: sampleValue }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string() }),
]);

/** Prometheus answers "+Inf", "-Inf" and "NaN" as strings beside plain numbers. */
function toNumber(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** The metrics provider over a Prometheus HTTP API (Prometheus itself, Thanos, Mimir, VictoriaMetrics …). */
export class PrometheusMetrics implements MetricsProvider {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly options: { bearerToken?: string; timeoutMs?: number } = {},
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  async query(promql: string, at?: Date): Promise<MetricReading> {
    const params = new URLSearchParams({ query: promql });
    if (at) params.set('time', String(at.getTime() / 1000));
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1/query?${params.toString()}`, {
        headers: {
          accept: 'application/json',
          ...(this.options.bearerToken ? { authorization: `Bearer ${this.options.bearerToken}` } : {}),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? QUERY_TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return { kind: 'error', message: timedOut ? 'Prometheus timed out' : 'Prometheus unreachable' };
    }
    const parsed = answer.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) return { kind: 'error', message: `Prometheus answered ${response.status}` };
    const body = parsed.data;
    if (body.status === 'error') return { kind: 'error', message: `Prometheus: ${body.error.slice(0, 200)}` };
    const data = body.data;
    const values =
      data.resultType === 'vector'
        ? data.result.map((s) => toNumber(s.value[1]))
        : data.resultType === 'matrix'
          ? data.result.flatMap((s) => s.values.map((v) => toNumber(v[1])))
          : data.resultType === 'scalar'
            ? [toNumber(data.result[1])]
            : [];
    return values.length === 0 ? { kind: 'noData' } : { kind: 'samples', values };
  }
}

/** When no Prometheus is configured: every query is an error, so an analysis fails closed. */
export const noMetrics: MetricsProvider = {
  query: () =>
    Promise.resolve({
      kind: 'error',
      message: 'no Prometheus configured (metrics.prometheusUrl)',
      lasting: true,
    }),
};
