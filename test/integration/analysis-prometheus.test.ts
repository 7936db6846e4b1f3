import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeAnalysis, type AnalysisQuery, type Measurement } from '../../src/domain/analysis.js';
import { PrometheusMetrics } from '../../src/adapters/prometheus/client.js';
import { measureQueries } from '../../src/app/rollout/measure.js';
import { findPrometheus, LocalPrometheus } from '../../src/sandbox/prometheus.js';
import { startSandboxServices, type SandboxServices } from '../../src/sandbox/services.js';

// The analysis against a REAL Prometheus scraping the sandbox services' synthetic traffic. The binary comes
// from the Debian package (scripts/ensure-setup.mjs installs it on CI); without it these tests cannot run.
const binary = findPrometheus();

// Short windows: the server scrapes every second, so ten seconds hold enough samples for rate().
const errorRate: AnalysisQuery = {
  name: 'error-rate',
  query:
    '(sum(rate(http_requests_total{service="$service",env="$env",code=~"5.."}[10s])) or vector(0)) / sum(rate(http_requests_total{service="$service",env="$env"}[10s]))',
  threshold: 0.01,
  op: '>',
};
const p95: AnalysisQuery = {
  name: 'p95-latency',
  query:
    'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="$service",env="$env"}[10s])))',
  threshold: 2,
  op: '>',
};
const prod = { service: 'api', env: 'prod' };
const staging = { service: 'api', env: 'staging' };

let services: SandboxServices | undefined;
let prometheus: LocalPrometheus | undefined;
let metrics: PrometheusMetrics;

/** Measures until `done` holds or the bounded wait ends; returns the last measurements. */
async function measureUntil(
  queries: readonly AnalysisQuery[],
  target: typeof prod,
  done: (m: Measurement[]) => boolean,
): Promise<Measurement[]> {
  let last: Measurement[] = [];
  for (let i = 0; i < 60; i++) {
    last = await measureQueries(metrics, queries, target, new Date());
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return last;
}

describe.skipIf(!binary)(
  'analysis against a real Prometheus (skipped: /usr/bin/prometheus not installed)',
  () => {
    beforeAll(async () => {
      services = await startSandboxServices({
        routes: [
          { service: 'api', env: 'staging', path: '/api/staging/health' },
          { service: 'api', env: 'prod', path: '/api/prod/health' },
        ],
        trafficEveryMs: 100,
      });
      prometheus = await LocalPrometheus.start({
        targets: [new URL(services.url).host],
        scrapeInterval: '1s',
      });
      await prometheus.waitForScrape();
      metrics = new PrometheusMetrics(prometheus.url);
    }, 60_000);

    afterAll(async () => {
      await prometheus?.stop();
      await services?.close();
    });

    it('waits until a rate can be read (two scrapes), and names the query that never had data', async () => {
      await prometheus!.waitForData('sum(rate(http_requests_total[5s]))');
      const rate = await measureQueries(metrics, [errorRate], prod, new Date());
      expect(rate[0]?.phase).toBe('successful');
      await expect(prometheus!.waitForData('sum(rate(no_such_metric_total[5s]))', 1_000)).rejects.toThrow(
        'Prometheus had no data for sum(rate(no_such_metric_total[5s])) within 1000 ms',
      );
    });

    it('passes a healthy service on both default-shaped queries', async () => {
      const measured = await measureUntil([errorRate, p95], prod, (m) =>
        m.every((x) => x.phase !== 'inconclusive'),
      );
      expect(measured.map((m) => [m.query, m.phase])).toEqual([
        ['error-rate', 'successful'],
        ['p95-latency', 'successful'],
      ]);
      expect(measured[0]?.value).toBe(0);
      expect(measured[1]?.value).toBeLessThan(2);
    }, 40_000);

    it('counts a service without data as inconclusive, and fails closed past consecutiveErrorLimit', async () => {
      const target = { service: 'nothing-here', env: 'prod' };
      const measured = await measureQueries(metrics, [errorRate], target, new Date());
      expect(measured[0]).toMatchObject({ phase: 'inconclusive', detail: 'no data' });
      const spec = {
        queries: [errorRate],
        interval: 1000,
        count: 3,
        failureLimit: 1,
        consecutiveErrorLimit: 1,
      };
      expect(judgeAnalysis(spec, measured).phase).toBe('running');
      const again = await measureQueries(metrics, [errorRate], target, new Date());
      expect(judgeAnalysis(spec, [...measured, ...again]).phase).toBe('failed');
    });

    it('answers a bad query as an error, which is inconclusive', async () => {
      const reading = await metrics.query('sum(rate(');
      expect(reading.kind).toBe('error');
      const measured = await measureQueries(
        metrics,
        [{ name: 'broken', query: 'sum(rate(', threshold: 1, op: '>' }],
        prod,
        new Date(),
      );
      expect(measured[0]?.phase).toBe('inconclusive');
      expect(measured[0]?.detail).toMatch(/^Prometheus: /);
    });

    it('fails a degraded service on its error ratio and its p95, and passes it again once healed', async () => {
      services!.traffic.degrade('api', 'staging', { errors: 0.05, latencySeconds: 3 });
      try {
        const measured = await measureUntil([errorRate, p95], staging, (m) =>
          m.every((x) => x.phase === 'failed'),
        );
        expect(measured.map((m) => m.phase)).toEqual(['failed', 'failed']);
        expect(measured[0]?.value).toBeGreaterThan(0.01);
        expect(measured[1]?.value).toBeGreaterThan(2);
        // prod was never degraded: the labels keep the two apart.
        const other = await measureQueries(metrics, [errorRate], prod, new Date());
        expect(other[0]?.phase).toBe('successful');
        // With failureLimit 1, two failed measurements fail the analysis.
        const spec = {
          queries: [errorRate],
          interval: 1000,
          count: 5,
          failureLimit: 1,
          consecutiveErrorLimit: 4,
        };
        expect(judgeAnalysis(spec, [measured[0]!]).phase).toBe('running');
        expect(judgeAnalysis(spec, [measured[0]!, measured[0]!]).phase).toBe('failed');
      } finally {
        services!.traffic.heal('api', 'staging');
      }
      const healed = await measureUntil([errorRate], staging, (m) => m[0]?.phase === 'successful');
      expect(healed[0]?.phase).toBe('successful');
    }, 60_000);

    it('answers an unreachable Prometheus as an error', async () => {
      const gone = new PrometheusMetrics('http://127.0.0.1:9', { timeoutMs: 1000 });
      expect(await gone.query('up')).toEqual({ kind: 'error', message: 'Prometheus unreachable' });
    });
  },
);
