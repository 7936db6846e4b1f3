import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { receiveProtectionRule, type ProtectionOutcome } from '../../src/app/protection-rule.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { API, dispatchRunFor, headOf, seedDeploy } from '../helpers/deploy-records.js';
import { replaceMethod } from '../helpers/interpose.js';

/**
 * The deployment protection rule (§16) when what GitHub holds only half matches a deploy of the bot's, or
 * GitHub's answers are broken: never taken for the bot's own approved run unless everything matches.
 */
let h: AppHarness;

beforeEach(async () => {
  h = await startAppHarness({
    github: { environments: { prod: { protectionRule: true }, staging: { protectionRule: true } } },
  });
});
afterEach(async () => {
  await h.close();
});

const head = (): string => headOf(h);
const botDeploy = (fields: Parameters<typeof seedDeploy>[1]) => seedDeploy(h, fields);

/** A run dispatched with `deployId` in its name, held at `env`, and GitHub's ask for it. */
async function askFor(
  deployId: string,
  env: string,
  workflow = 'deploy.yml',
): Promise<{ runId: number; outcome: ProtectionOutcome }> {
  const runId = await dispatchRunFor(h, deployId, env, workflow);
  const outcome = await receiveProtectionRule(h.deps, {
    repo: API,
    environment: env,
    runId,
    sha: head(),
    ref: 'main',
  });
  return { runId, outcome };
}

/** `sha` live and verified on staging: the prod gates' precondition. */
const verifiedOnStaging = (sha: string) =>
  botDeploy({
    id: 'DSTAGE001',
    env: 'staging',
    state: 'succeeded',
    sha,
    verification: 'verified',
    finishedAt: new Date(),
  });

const answers = () => h.github.protectionAnswers().map((a) => ({ runId: a.runId, state: a.state }));

describe('the run names a deploy of the bot', () => {
  it('an approved deploy whose run id is not recorded yet: its run is approved at once, by the name', async () => {
    const own = await botDeploy({ id: 'DAPPRV001', env: 'staging', state: 'dispatched' });

    const { runId, outcome } = await askFor(own.id, 'staging');

    expect(outcome).toEqual({ kind: 'own-run', deployId: own.id });
    expect(answers()).toEqual([{ runId, state: 'approved' }]);
  });

  it('a request still waiting for approval is not taken for it: the run goes through the gates', async () => {
    const waiting = await botDeploy({ id: 'DWAXTS001', env: 'staging', state: 'awaiting_approval' });

    const { runId, outcome } = await askFor(waiting.id, 'staging');

    expect(outcome.kind).toBe('gated');
    const gated = outcome.kind === 'gated' ? outcome.deploy : undefined;
    expect(gated).toMatchObject({ origin: 'github', runId, state: 'dispatched' });
    // The run on GitHub replaces the older request.
    expect((await h.deps.repos.deploys.get(waiting.id))?.state).toBe('superseded');
  });

  it('a deploy live and verified already: a run naming it is not its smoke, and records it as the one before', async () => {
    const live = await botDeploy({
      id: 'DVERF0001',
      env: 'staging',
      state: 'succeeded',
      verification: 'verified',
      runId: 1,
      finishedAt: new Date(),
    });

    const { outcome } = await askFor(live.id, 'staging');

    expect(outcome.kind).toBe('gated');
    const gated = outcome.kind === 'gated' ? outcome.deploy : undefined;
    expect(gated).toMatchObject({ origin: 'github', previousDeployId: live.id, previousSha: live.sha });
    expect(gated).not.toHaveProperty('previousVersion');
  });
});

describe('the verification smoke of a deploy that just went live (§8)', () => {
  it('is approved at once while the deploy is being verified', async () => {
    const live = await botDeploy({
      id: 'DVERF0002',
      env: 'staging',
      state: 'succeeded',
      runId: 1,
      finishedAt: new Date(),
    });

    const { runId, outcome } = await askFor(live.id, 'staging', 'smoke.yml');

    expect(outcome).toEqual({ kind: 'own-run', deployId: live.id });
    expect(answers()).toEqual([{ runId, state: 'approved' }]);
  });
});

describe('GitHub answers that cannot be trusted', () => {
  it('a run read answered 304 though no ETag was sent: the ask fails, nothing is made or answered', async () => {
    const own = await botDeploy({ id: 'DAPPRV002', env: 'staging', state: 'dispatched' });
    replaceMethod(h.deps.github, 'getRun', () => () => Promise.resolve({ notModified: true as const }));

    await expect(askFor(own.id, 'staging')).rejects.toThrow(/304/);

    expect(await h.deps.repos.deploys.findByStates(['requested', 'dispatched'], { env: 'staging' })).toEqual([
      expect.objectContaining({ id: own.id }),
    ]);
    expect(answers()).toEqual([]);
  });
});

describe('a run started on GitHub for prod', () => {
  it('lists the commits since the live prod deploy on its card', async () => {
    const [older, newer] = [h.github.history(API)[1] ?? '', head()];
    await botDeploy({
      id: 'DPR0D0001',
      env: 'prod',
      state: 'succeeded',
      sha: older,
      version: '2026.11.1',
      finishedAt: new Date(),
    });
    await verifiedOnStaging(newer);

    const { outcome } = await askFor('github-ui', 'prod');

    const gated = outcome.kind === 'gated' ? outcome.deploy : undefined;
    expect(gated).toMatchObject({ state: 'awaiting_approval', previousVersion: '2026.11.1' });
    expect(gated?.commits?.length).toBeGreaterThan(0);
    expect(gated?.commits?.map((c) => c.sha)).toContain(newer);
  });
});

describe('requests in Discord meanwhile', () => {
  it('a Discord request the run on GitHub replaces is superseded, with the reason', async () => {
    await verifiedOnStaging(head());
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    await askFor('github-ui', 'prod');

    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({
      state: 'superseded',
      outcomeReason: expect.stringMatching(/a run started on GitHub \([0-9a-f]{7}\) replaced it/),
    });
  });
});
