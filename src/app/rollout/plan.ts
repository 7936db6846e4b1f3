import type { AnalysisSpec } from '../../domain/analysis.js';
import type { Deploy } from '../../domain/model.js';
import type { RolloutSpec } from '../../domain/rollout.js';
import { targetOf } from '../deploys/context.js';
import type { AppDeps } from '../ports/deps.js';
import type { MetricsProvider } from '../ports/metrics.js';

/** A configured rollout always has its analysis: the configuration fills in the defaults (§15). */
export type ConfiguredRollout = RolloutSpec & { readonly analysis: AnalysisSpec };

/**
 * The rollout a deploy follows, from its env's configuration: only deploys roll out; a rollback goes to all
 * traffic at once (it is the way back to a known-good version).
 */
export function rolloutSpecOf(deps: AppDeps, deploy: Deploy): ConfiguredRollout | undefined {
  if (deploy.kind !== 'deploy') return undefined;
  const rollout = targetOf(deps, deploy).envConfig.rollout;
  return rollout ? { steps: rollout.steps, pause: rollout.pause, analysis: rollout.analysis } : undefined;
}

/** Whether the env's deploy workflow takes the `traffic` input (every dispatch there sends it). */
export function takesTraffic(deps: AppDeps, deploy: Deploy): boolean {
  return targetOf(deps, deploy).envConfig.rollout !== undefined;
}

/** The metric checks of post-deploy verification (§8), when the env configures them. */
export function verificationAnalysisOf(deps: AppDeps, deploy: Deploy): AnalysisSpec | undefined {
  return targetOf(deps, deploy).envConfig.verification?.analysis;
}

/** With no Prometheus configured every query is an error: the analysis fails closed. */
const NO_METRICS: MetricsProvider = {
  query: () => Promise.resolve({ kind: 'error', message: 'no Prometheus configured', lasting: true }),
};

export function metricsOf(deps: AppDeps): MetricsProvider {
  return deps.metrics ?? NO_METRICS;
}
