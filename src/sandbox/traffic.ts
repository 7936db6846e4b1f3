import { Counter, Histogram, Registry } from 'prom-client';

/** How a service answers its synthetic traffic: healthy, or told to degrade (`service degrade …`). */
export interface Degradation {
  /** Share of requests answered 5xx, 0–1. */
  readonly errors: number;
  /** Latency of every request, in seconds. */
  readonly latencySeconds: number;
}

const HEALTHY: Degradation = { errors: 0, latencySeconds: 0.05 };
/** Requests per service+env per round of the loop. */
const REQUESTS_PER_ROUND = 20;

const key = (service: string, env: string): string => `${service}/${env}`;

/**
 * Synthetic traffic for the sandbox's services, so a real Prometheus has something to scrape and the
 * rollout analysis something to judge: `http_requests_total{service,env,code}` and
 * `http_request_duration_seconds` (histogram). Errors are spread evenly (every 1/errors-th request), so a
 * degraded service shows its error ratio within one scrape, without chance.
 */
export class ServiceTraffic {
  readonly registry = new Registry();
  private readonly requests: Counter<'service' | 'env' | 'code'>;
  private readonly latency: Histogram<'service' | 'env'>;
  private readonly degraded = new Map<string, Degradation>();
  private readonly sent = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly routes: readonly { readonly service: string; readonly env: string }[]) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'Requests the service answered, by status code.',
      labelNames: ['service', 'env', 'code'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'How long the service took to answer.',
      labelNames: ['service', 'env'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  /** Starts the loop (a round every `everyMs`); 0 leaves it off (tests drive `round()` themselves). */
  start(everyMs: number): void {
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.round();
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  degrade(service: string, env: string, how: Partial<Degradation>): Degradation {
    this.route(service, env);
    const next = { ...this.of(service, env), ...how };
    this.degraded.set(key(service, env), next);
    return next;
  }

  heal(service: string, env: string): void {
    this.route(service, env);
    this.degraded.delete(key(service, env));
  }

  of(service: string, env: string): Degradation {
    return this.degraded.get(key(service, env)) ?? HEALTHY;
  }

  /** One round of requests to every service+env. */
  round(): void {
    for (const { service, env } of this.routes) {
      const how = this.of(service, env);
      for (let i = 0; i < REQUESTS_PER_ROUND; i++) {
        const n = this.sent.get(key(service, env)) ?? 0;
        this.sent.set(key(service, env), n + 1);
        const failed = Math.floor((n + 1) * how.errors) > Math.floor(n * how.errors);
        this.requests.inc({ service, env, code: failed ? '500' : '200' });
        this.latency.observe({ service, env }, how.latencySeconds);
      }
    }
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private route(service: string, env: string): void {
    if (!this.routes.some((r) => r.service === service && r.env === env)) {
      throw new Error(`no sandbox service ${service} in ${env}`);
    }
  }
}
