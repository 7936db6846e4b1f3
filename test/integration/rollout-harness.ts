import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { trackActiveDeploys } from '../../src/app/deploys/track.js';
import type { MetricReading, MetricsProvider } from '../../src/app/ports/metrics.js';
import { runRolloutTick } from '../../src/app/rollout/tick.js';
import { confirmVerification } from '../../src/app/verification.js';
import type { Deploy } from '../../src/domain/model.js';
import {
  startSandboxServices,
  wireSandboxServices,
  type SandboxServices,
} from '../../src/sandbox/services.js';
import { people, startAppHarness, testConfig, type AppHarness } from '../helpers/app-deps.js';
import { checkUntil, checksPass, deployVerified } from './verification-helpers.js';

export const REPO = 'example-org/api';

/** A metrics provider the test scripts: one answer for every query until told otherwise. */
export class ScriptedMetrics implements MetricsProvider {
  answer: MetricReading = { kind: 'samples', values: [0] };
  readonly asked: string[] = [];
  query(promql: string): Promise<MetricReading> {
    this.asked.push(promql);
    return Promise.resolve(this.answer);
  }
}

export interface RolloutHarness extends AppHarness {
  services: SandboxServices;
  metrics: ScriptedMetrics;
  advance(ms: number): void;
}

/** The rollout api prod follows by default: 25 → 50 → 100, a 1 s pause, two measurements, no failure allowed. */
export const DEFAULT_ROLLOUT = {
  steps: [25, 50, 100],
  pause: '1s',
  analysis: {
    queries: [{ name: 'errors', query: 'errors{service="$service",env="$env"}', threshold: 0.01, op: '>' }],
    interval: '1s',
    count: 2,
    failureLimit: 0,
  },
};

/**
 * The app harness with the sandbox health services and a clock the test moves; api prod rolls out as
 * `rollout` says (the default above unless given), `edit` changes the rest of the raw configuration.
 */
export async function startRolloutHarness(
  options: {
    /** api prod's rollout; null for none (a harness for the metric analysis of verification). */
    rollout?: Record<string, unknown> | null;
    edit?: (raw: Record<string, unknown>) => void;
  } = {},
): Promise<RolloutHarness> {
  const services = await startSandboxServices({
    routes: [
      { service: 'api', env: 'staging', path: '/api/staging/health' },
      { service: 'api', env: 'prod', path: '/api/prod/health' },
    ],
    trafficEveryMs: 0,
  });
  const config = testConfig((raw) => {
    raw.freezeWindows = [];
    const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api;
    for (const env of api?.environments ?? []) {
      env.healthUrl = `${services.url}/api/${String(env.name)}/health`;
      if (env.name === 'prod' && options.rollout !== null) env.rollout = options.rollout ?? DEFAULT_ROLLOUT;
    }
    options.edit?.(raw);
  });
  let offset = 0;
  const metrics = new ScriptedMetrics();
  const harness = await startAppHarness({
    config,
    clock: { now: () => new Date(Date.now() + offset) },
    metrics,
  });
  const unwire = wireSandboxServices(harness.github, services, { [REPO]: 'api' });
  return {
    ...harness,
    services,
    metrics,
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      unwire();
      await Promise.all([harness.close(), services.close()]);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const prodRuns = (r: RolloutHarness) =>
  r.github.runs(REPO).filter((run) => run.workflow === 'deploy.yml' && run.inputs.environment === 'prod');

/** Tracks runs and ticks the rollout (moving the app clock a second per tick) until `done`; bounded. */
export async function drive(r: RolloutHarness, id: string, done: (d: Deploy) => boolean): Promise<Deploy> {
  for (let i = 0; i < 200; i++) {
    await trackActiveDeploys(r.deps);
    const deploy = await r.deps.repos.deploys.get(id);
    if (!deploy) throw new Error(`no deploy ${id}`);
    if (done(deploy)) return deploy;
    if (deploy.state === 'rolling_out' && deploy.rollout) {
      r.advance(1_000);
      await runRolloutTick(r.deps, id, deploy.rollout.step);
    } else {
      await sleep(40);
    }
  }
  throw new Error(`deploy ${id} did not get there`);
}

/** alice requests api prod, bob approves. */
export async function requestProd(r: RolloutHarness): Promise<Deploy> {
  const { deploy } = await requestDeploy(r.deps, { actor: people.alice, service: 'api', env: 'prod' });
  await approveDeploy(r.deps, people.bob, deploy.id);
  return deploy;
}

export const rollingOut = (d: Deploy) => d.state === 'rolling_out';

/** A first prod rollout that finished and was verified (the version a failed one rolls back to). */
export async function verifiedProd(r: RolloutHarness): Promise<Deploy> {
  await deployVerified(r, 'staging');
  const first = await requestProd(r);
  const live = await drive(r, first.id, (d) => d.state === 'succeeded');
  await checkUntil(r, live.id, checksPass);
  const { deploy } = await confirmVerification(r.deps, people.alice, live.id);
  return deploy;
}

/** A newer commit, verified on staging, rolling out on prod at its first step. */
export async function newerRollingOut(r: RolloutHarness, title = 'feat: slow checkout'): Promise<Deploy> {
  r.github.addCommit(REPO, title);
  await deployVerified(r, 'staging');
  const deploy = await requestProd(r);
  return drive(r, deploy.id, rollingOut);
}

/** The automatic rollback of `deployId`, if one was created. */
export async function rollbackOf(r: RolloutHarness, deployId: string): Promise<Deploy | undefined> {
  const recent = await r.deps.repos.deploys.history({ service: 'api', env: 'prod', limit: 20 });
  return recent.find((d) => d.kind === 'rollback' && d.rollbackOf === deployId);
}
