import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { SmokeReport } from '../../src/app/smoke.js';
import {
  confirmVerification,
  runVerificationCheck,
  verificationKey,
  type VerificationState,
} from '../../src/app/verification.js';
import type { Config } from '../../src/config.js';
import type { Deploy } from '../../src/domain/model.js';
import {
  startSandboxServices,
  wireSandboxServices,
  type SandboxServices,
} from '../../src/sandbox/services.js';
import { trackUntilDone as trackDeployUntilDone } from '../helpers/app-deps.js';
import { people, startAppHarness, testConfig, type AppHarness } from '../helpers/app-deps.js';

/**
 * The app harness plus the sandbox health services (their health URLs in the config), a clock the test
 * can move past the verification window, and a notifier that also records acknowledgement requests and
 * the nightly smoke summary.
 */
export interface VerifyHarness extends AppHarness {
  services: SandboxServices;
  /** Moves the app's clock forward (the local GitHub keeps real time). */
  advance(ms: number): void;
  acks: string[];
  smokeReports: SmokeReport[];
}

export async function startVerifyHarness(
  edit: (raw: Record<string, unknown>) => void = () => undefined,
): Promise<VerifyHarness> {
  const services = await startSandboxServices({
    routes: [
      { service: 'api', env: 'staging', path: '/api/staging/health' },
      { service: 'api', env: 'prod', path: '/api/prod/health' },
    ],
  });
  const config: Config = testConfig((raw) => {
    raw.freezeWindows = [];
    const api = (raw.services as Record<string, { environments: { name: string; healthUrl?: string }[] }>)
      .api;
    for (const env of api?.environments ?? []) env.healthUrl = `${services.url}/api/${env.name}/health`;
    edit(raw);
  });
  let offset = 0;
  const h = await startAppHarness({ config, clock: { now: () => new Date(Date.now() + offset) } });
  const unwire = wireSandboxServices(h.github, services, { 'example-org/api': 'api' });
  const acks: string[] = [];
  const smokeReports: SmokeReport[] = [];
  const deps = {
    ...h.deps,
    notifier: {
      ...h.deps.notifier,
      askAcknowledgement: (deploy: Deploy) => {
        acks.push(deploy.id);
        return Promise.resolve();
      },
      smokeSummary: (report: SmokeReport) => {
        smokeReports.push(report);
        return Promise.resolve();
      },
    },
  };
  return {
    ...h,
    deps,
    services,
    acks,
    smokeReports,
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      unwire();
      await Promise.all([h.close(), services.close()]);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the run tracker (as the agenda job does) until the deploy has finished, bounded. */
export function trackUntilDone(h: AppHarness, id: string, timeoutMs = 5_000): Promise<Deploy> {
  return trackDeployUntilDone(h.deps, id, timeoutMs);
}

/**
 * Runs verification checks (as the job chain does) until `done` holds for what they found, or the deploy is
 * no longer pending, bounded. Returns the deploy and the checks' state then.
 */
export async function checkUntil(
  h: AppHarness,
  id: string,
  done: (state: VerificationState) => boolean,
  timeoutMs = 5_000,
): Promise<{ deploy: Deploy; state: VerificationState }> {
  const until = Date.now() + timeoutMs;
  for (let tick = 1; Date.now() < until; tick++) {
    await runVerificationCheck(h.deps, id, tick);
    const deploy = await h.deps.repos.deploys.get(id);
    const state = await h.deps.repos.settings.get<VerificationState>(verificationKey(id));
    if (!deploy || !state) throw new Error(`no deploy or verification state for ${id}`);
    if (deploy.verification !== 'pending' || done(state)) return { deploy, state };
    await sleep(40);
  }
  throw new Error(`verification of ${id} did not get there within ${timeoutMs} ms`);
}

/** The automatic checks pass: health good and (when there is one) the smoke run green. */
export const checksPass = (state: VerificationState): boolean =>
  state.health?.ok === true && (state.smoke === undefined || state.smoke.state === 'green');

/** Deploys `ref` (default: the default branch) to env, with bob approving prod, and waits for the run. */
export async function deployAndFinish(h: AppHarness, env: string, ref?: string): Promise<Deploy> {
  const { deploy, progress } = await requestDeploy(h.deps, {
    actor: people.alice,
    service: 'api',
    env,
    ...(ref ? { ref } : {}),
  });
  if (progress.kind === 'awaiting_approval') await approveDeploy(h.deps, people.bob, deploy.id);
  else if (progress.kind !== 'dispatched')
    throw new Error(`deploy to ${env} did not dispatch: ${progress.kind}`);
  return trackUntilDone(h, deploy.id);
}

/** Deploys and verifies it: the automatic checks pass, then alice (R4) clicks Verified. */
export async function deployVerified(h: AppHarness, env: string, ref?: string): Promise<Deploy> {
  const done = await deployAndFinish(h, env, ref);
  await checkUntil(h, done.id, checksPass);
  const { deploy } = await confirmVerification(h.deps, people.alice, done.id);
  if (deploy.verification !== 'verified') throw new Error(`${done.id} was not verified`);
  return deploy;
}
