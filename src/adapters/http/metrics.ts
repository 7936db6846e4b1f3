import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The product's Prometheus metrics, on a registry of their own (no process-wide singleton). */
export interface Metrics {
  readonly registry: Registry;
  readonly deployMarkers: Counter<'service' | 'env'>;
  readonly deployOutcomes: Counter<'service' | 'env' | 'outcome'>;
  readonly interactions: Counter<'kind' | 'name' | 'outcome'>;
  readonly interactionAckSeconds: Histogram<'kind'>;
  readonly githubRequests: Counter<'outcome'>;
  readonly leader: Gauge;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'release_console_' });
  return {
    registry,
    deployMarkers: new Counter({
      name: 'release_console_deploy_markers_total',
      help: 'Successful deploys that posted a deploy marker',
      labelNames: ['service', 'env'],
      registers: [registry],
    }),
    deployOutcomes: new Counter({
      name: 'release_console_deploys_total',
      help: 'Deploys that reached a final state, by outcome',
      labelNames: ['service', 'env', 'outcome'],
      registers: [registry],
    }),
    interactions: new Counter({
      name: 'release_console_interactions_total',
      help: 'Discord interactions handled',
      labelNames: ['kind', 'name', 'outcome'],
      registers: [registry],
    }),
    interactionAckSeconds: new Histogram({
      name: 'release_console_interaction_ack_seconds',
      help: 'Time from receiving an interaction to acknowledging it',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    githubRequests: new Counter({
      name: 'release_console_github_requests_total',
      help: 'GitHub API requests by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'release_console_gateway_leader',
      help: '1 when this instance holds the Discord gateway lease',
      registers: [registry],
    }),
  };
}
