import { afterEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import {
  confirmVerification,
  judgeVerification,
  runVerificationCheck,
  startVerification,
  verificationKey,
  WRONG_VERSION_CHECKS,
  type VerificationState,
} from '../../src/app/verification.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { people, refusal } from '../helpers/app-deps.js';
import { beforeNextCall, replaceMethod } from '../helpers/interpose.js';
import {
  checkUntil,
  deployAndFinish,
  startVerifyHarness,
  type VerifyHarness,
} from './verification-helpers.js';

/** Post-deploy verification (§8): the verdict from each input, crashes, races and late clicks. */
let h: VerifyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const REPO = 'example-org/api';
const SMOKE = 'smoke.yml';
const stateOf = (h: VerifyHarness, id: string) =>
  h.deps.repos.settings.get<VerificationState>(verificationKey(id));
const smokeRuns = (h: VerifyHarness) => h.github.runs(REPO).filter((r) => r.workflow === SMOKE);
const WINDOW_MS = 15 * 60_000;

/** A staging deploy that finished and whose verification started (the smoke dispatched). */
async function verifying(h: VerifyHarness) {
  const done = await deployAndFinish(h, 'staging');
  await h.deps.outbox.drain(done.id);
  return done;
}

describe('the verification rule, for inputs the checks leave incomplete', () => {
  const base = { now: new Date(2026, 0, 1), endsAt: new Date(2026, 0, 2), autoVerify: false } as const;

  it('names the other version when the health URL said which, and says so plainly when it did not', () => {
    const wrong = { ...base, hasHealthUrl: true, wrongVersionInRow: WRONG_VERSION_CHECKS };
    expect(judgeVerification(wrong)).toEqual({
      outcome: 'faulty',
      reason: 'The health URL reports another version.',
    });
    const detail = 'reports v2026.01.01 instead of v2026.01.02';
    expect(
      judgeVerification({ ...wrong, health: { ok: false, detail, wrongVersion: 'v2026.01.01' } }).reason,
    ).toBe(`The health URL ${detail}.`);
  });

  it('a health URL never checked by the end of the window is faulty, saying it was never checked', () => {
    const ended = { ...base, now: base.endsAt, hasHealthUrl: true, wrongVersionInRow: 0, autoVerify: true };
    expect(judgeVerification({ ...ended, confirmedBy: 'alice' })).toEqual({
      outcome: 'faulty',
      reason: 'The health URL was not good at the end of the window (never checked).',
    });
  });
});

describe('verification branches', () => {
  it('starting verification again once it started dispatches no second smoke and keeps the window', async () => {
    h = await startVerifyHarness();
    const done = await verifying(h);
    const before = await stateOf(h, done.id);
    const started = (await h.deps.repos.deploys.get(done.id))!;
    expect(started.verification).toBe('pending');

    await startVerification(h.deps, started, true);

    expect(smokeRuns(h)).toHaveLength(1);
    expect(await stateOf(h, done.id)).toEqual(before);
  });

  it('a crash after the smoke dispatch, before the window was recorded: the retry finds that run and dispatches none', async () => {
    h = await startVerifyHarness();
    const settings = h.deps.repos.settings;
    let crashes = 1;
    const restore = replaceMethod(settings, 'set', (real) => (key, value, at) => {
      if (key.startsWith('verification:') && crashes-- > 0) return Promise.reject(new Error('process died'));
      return real(key, value, at);
    });
    const done = await deployAndFinish(h, 'staging');
    await h.deps.outbox.drain(done.id);
    expect(await stateOf(h, done.id)).toBeUndefined();
    expect(smokeRuns(h)).toHaveLength(1);
    restore();

    h.advance(60_000); // past the effect's retry delay
    await h.deps.outbox.drain(done.id);

    expect(smokeRuns(h)).toHaveLength(1);
    expect((await stateOf(h, done.id))?.smoke).toMatchObject({
      state: 'running',
      runId: smokeRuns(h)[0]!.id,
    });
    expect((await h.deps.repos.deploys.get(done.id))?.verification).toBe('pending');
  });

  it('a smoke dispatch that does not say which run it started: the checks find it by deploy_id once GitHub lists it', async () => {
    h = await startVerifyHarness();
    let listed = false;
    replaceMethod(h.deps.github, 'dispatch', (real) => async (repo, workflow, request) => {
      const run = await real(repo, workflow, request);
      return workflow === SMOKE ? {} : run;
    });
    replaceMethod(
      h.deps.github,
      'findRunByDeployId',
      (real) => (repo, workflow, deployId, since) =>
        workflow === SMOKE && !listed ? Promise.resolve(undefined) : real(repo, workflow, deployId, since),
    );
    const done = await verifying(h);
    expect((await stateOf(h, done.id))?.smoke).toEqual({ state: 'running' });

    await runVerificationCheck(h.deps, done.id, 1);
    expect((await stateOf(h, done.id))?.smoke).toEqual({ state: 'running' });

    listed = true;
    const { state } = await checkUntil(h, done.id, (s) => s.smoke?.state === 'green');
    expect(state.smoke).toEqual({
      state: 'green',
      runId: smokeRuns(h)[0]!.id,
      url: expect.stringMatching(/\/actions\/runs\/\d+$/),
    });
  });

  it('a smoke run GitHub answers "not modified" for stays running with what was known, and is read again', async () => {
    h = await startVerifyHarness();
    const done = await verifying(h);
    const started = (await stateOf(h, done.id))?.smoke;
    const restore = replaceMethod(
      h.deps.github,
      'getRun',
      () => () => Promise.resolve({ notModified: true }),
    );

    await runVerificationCheck(h.deps, done.id, 1);
    expect((await stateOf(h, done.id))?.smoke).toEqual(started);
    expect((await stateOf(h, done.id))?.checks).toBe(1);

    restore();
    const { state } = await checkUntil(h, done.id, (s) => s.smoke?.state === 'green');
    expect(state.smoke?.runId).toBe(started?.runId);
  });

  it('a smoke workflow dropped from the configuration mid-window is not read: the deploy is not verified on it', async () => {
    h = await startVerifyHarness();
    const done = await verifying(h);
    const { smokeWorkflow, ...api } = h.deps.config.services.api!;
    expect(smokeWorkflow).toBe(SMOKE);
    const config = { ...h.deps.config, services: { ...h.deps.config.services, api } };
    const deps: AppDeps = { ...h.deps, config };
    replaceMethod(h.deps.github, 'getRun', () => () => Promise.reject(new Error('the run was read')));

    h.advance(WINDOW_MS + 1_000);
    const judgement = await runVerificationCheck(deps, done.id, 1);

    expect(judgement).toEqual({
      outcome: 'faulty',
      reason: 'The smoke workflow did not finish within the window.',
    });
    expect((await stateOf(h, done.id))?.smoke?.state).toBe('running');
  });

  it('an env without a health URL is verified on its smoke run and a confirmation, never checking health', async () => {
    h = await startVerifyHarness((raw) => {
      const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api!;
      for (const env of api.environments) delete env.healthUrl;
    });
    const done = await verifying(h);

    const { state } = await checkUntil(h, done.id, (s) => s.smoke?.state === 'green');
    expect(state.health).toBeUndefined();
    const { deploy, outcome } = await confirmVerification(h.deps, people.alice, done.id);

    expect(outcome).toBe('verified');
    expect(deploy).toMatchObject({ verification: 'verified', verifiedBy: { name: 'alice' } });
  });

  it('a check that finds its deploy concluded meanwhile by another instance neither locks the env nor marks it faulty', async () => {
    h = await startVerifyHarness();
    const done = await verifying(h);
    const harness = h;
    const deps: AppDeps = {
      ...h.deps,
      health: {
        check: async (url, version) => {
          await harness.deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date());
          return harness.deps.health.check(url, version);
        },
      },
    };

    h.advance(WINDOW_MS + 1_000);
    const judgement = await runVerificationCheck(deps, done.id, 1);

    expect(judgement.outcome).toBe('faulty'); // what this check saw: nobody confirmed in time
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'staging' })).toEqual([]);
    expect((await h.deps.repos.deploys.get(done.id))?.verification).toBe('verified');
  });
});

describe('the Verified button, too early or too late', () => {
  it('refuses a deploy that is not being verified yet', async () => {
    h = await startVerifyHarness();
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });

    const error = await refusal(confirmVerification(h.deps, people.alice, deploy.id));

    expect(error.code).toBe('ALREADY_DECIDED');
    expect(error.message).toBe(`Deploy ${deploy.id} is not being verified.`);
  });

  it('refuses a click after the window ended, leaving the verdict to the checks', async () => {
    h = await startVerifyHarness();
    const done = await verifying(h);
    h.advance(WINDOW_MS + 1_000);

    const error = await refusal(confirmVerification(h.deps, people.alice, done.id));

    expect(error.code).toBe('EXPIRED');
    expect(await h.deps.repos.deploys.get(done.id)).toMatchObject({ verification: 'pending' });
    expect((await h.deps.repos.deploys.get(done.id))?.verifiedBy).toBeUndefined();
  });

  it('refuses a click that arrives as the checks conclude the deploy, recording no confirmation', async () => {
    h = await startVerifyHarness();
    const done = await verifying(h);
    const harness = h;
    beforeNextCall(h.deps.repos.settings, 'get', () =>
      harness.deps.repos.deploys.update(done.id, { verification: 'faulty' }, new Date()),
    );

    const error = await refusal(confirmVerification(h.deps, people.alice, done.id));

    expect(error.code).toBe('ALREADY_DECIDED');
    expect(error.message).toBe(`Deploy ${done.id} was just concluded.`);
    expect((await h.deps.repos.deploys.get(done.id))?.verifiedBy).toBeUndefined();
  });
});
