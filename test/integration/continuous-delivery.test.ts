import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler } from '../../src/adapters/http/github-webhook.js';
import {
  autoDeployCommit,
  autoDeployId,
  autoPromoteAfterSmoke,
  pollBranchHeads,
  promotionId,
} from '../../src/app/continuous/index.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { recordRequest, requestDeploy } from '../../src/app/deploys/request.js';
import { smokeKey } from '../../src/app/deploys/smoke-state.js';
import { annotate } from '../../src/app/pipeline/transition.js';
import { newId } from '../../src/domain/ids.js';
import { AUTO_ACTOR, SYSTEM_ACTOR, type Deploy } from '../../src/domain/model.js';
import { webhookSignature } from '../../src/sandbox/github/index.js';
import {
  people,
  refusal,
  startAppHarness,
  testConfig,
  trackUntilDone,
  type AppHarness,
} from '../helpers/app-deps.js';

const SECRET = 'continuous-delivery-secret';
const REPO = 'example-org/api';

let h: AppHarness;
let handle: ReturnType<typeof createGitHubWebhookHandler>;

async function start(edit: (raw: Record<string, unknown>) => void = () => undefined): Promise<void> {
  h = await startAppHarness({
    config: testConfig((raw) => {
      raw.freezeWindows = [];
      edit(raw);
    }),
  });
  handle = createGitHubWebhookHandler(h.deps, SECRET);
}
afterEach(async () => {
  h.github.holdRuns(false);
  await h.close();
});

function deliver(event: string, payload: Record<string, unknown>, delivery = randomUUID()) {
  const body = JSON.stringify(payload);
  return handle(
    {
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': webhookSignature(SECRET, body),
    },
    body,
  );
}
const push = (sha: string, ref = 'refs/heads/main') =>
  deliver('push', { ref, after: sha, repository: { full_name: REPO } });
const status = (sha: string, state = 'success') =>
  deliver('status', { sha, state, branches: [{ name: 'main' }], repository: { full_name: REPO } });

const stagingRuns = (sha: string) =>
  h.github.runs(REPO).filter((r) => r.inputs.environment === 'staging' && r.inputs.sha === sha);

/** A deploy after its verification started (the `verifying` annotation), then verified (§8). */
async function verify(deploy: Deploy): Promise<Deploy> {
  const until = Date.now() + 5_000;
  let current = deploy;
  while (current.verification !== 'pending' && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    current = (await h.deps.repos.deploys.get(deploy.id)) ?? current;
  }
  const verified = await annotate(
    h.deps,
    current,
    'verified',
    { verification: 'verified', verifiedBy: SYSTEM_ACTOR },
    { actor: SYSTEM_ACTOR, reason: 'test: checks passed' },
  );
  expect(verified).toBeDefined();
  await h.deps.outbox.drain(deploy.id);
  return verified!;
}

describe('continuous delivery to staging (§15)', () => {
  beforeEach(async () => {
    await start();
  });

  it('deploys a green push to main to staging as "auto", audited, once for duplicate and overlapping deliveries', async () => {
    const sha = h.github.addCommit(REPO, 'fix: something');
    const first = await push(sha);
    expect(first).toEqual({ status: 202, body: 'api: started' });
    const deploy = await h.deps.repos.deploys.get(autoDeployId('api', 'staging', sha));
    expect(deploy).toMatchObject({ env: 'staging', sha, requestedBy: AUTO_ACTOR, state: 'dispatched' });
    expect(stagingRuns(sha)).toHaveLength(1);

    // The same delivery redelivered, and the CI status event for the same commit: nothing more.
    const delivery = randomUUID();
    expect((await status(sha)).body).toBe('api: duplicate');
    await deliver('status', { sha, state: 'success', repository: { full_name: REPO } }, delivery);
    expect(
      (await deliver('status', { sha, state: 'success', repository: { full_name: REPO } }, delivery)).body,
    ).toBe('duplicate delivery');
    expect(stagingRuns(sha)).toHaveLength(1);

    const audit = await h.deps.repos.audit.find({ deployId: deploy!.id, limit: 20 });
    expect(audit.find((e) => e.action === 'deploy.requested')?.actor).toEqual(AUTO_ACTOR);
    expect(audit.find((e) => e.action === 'deploy.autoApprove')?.actor).toEqual(AUTO_ACTOR);
  });

  it('does not deploy a red or pending commit; a later green status deploys it', async () => {
    const red = h.github.addCommit(REPO, 'feat: broken', { ci: 'failure' });
    expect((await push(red)).body).toBe('api: ci-red');
    const pending = h.github.addCommit(REPO, 'feat: slow tests', { ci: 'pending' });
    expect((await push(pending)).body).toBe('api: ci-pending');
    expect(await h.deps.repos.deploys.findByStates(['dispatched', 'approved', 'queued'])).toEqual([]);
    expect(await h.deps.repos.deploys.get(autoDeployId('api', 'staging', red))).toBeUndefined();

    h.github.setCiState(REPO, pending, 'success');
    expect((await status(pending)).body).toBe('api: started');
    expect(stagingRuns(pending)).toHaveLength(1);
    expect(stagingRuns(red)).toHaveLength(0);
  });

  it('ignores other branches, a SHA that is no longer the head, and unsigned deliveries', async () => {
    const old = h.github.addCommit(REPO, 'feat: one');
    h.github.addCommit(REPO, 'feat: two');
    expect((await push(old)).body).toBe('api: not-head');
    const feature = h.github.addCommit(REPO, 'wip', { branch: 'feature' });
    expect((await push(feature, 'refs/heads/feature')).body).toBe('no service follows it');
    const body = JSON.stringify({ ref: 'refs/heads/main', after: old, repository: { full_name: REPO } });
    expect((await handle({ 'x-github-event': 'push', 'x-github-delivery': randomUUID() }, body)).status).toBe(
      401,
    );
    expect((await deliver('push', { nonsense: true })).status).toBe(400);
    expect(h.github.runs(REPO)).toHaveLength(0);
  });

  it('supersedes an older auto deploy that has not started; freezes queue it as they queue a person', async () => {
    // A person's staging deploy holds the env: the auto deploys wait their turn.
    h.github.holdRuns(true);
    await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const a = h.github.addCommit(REPO, 'feat: a');
    await push(a);
    const older = await h.deps.repos.deploys.get(autoDeployId('api', 'staging', a));
    expect(older).toMatchObject({ state: 'queued', waitingFor: { code: 'BUSY' } });
    const b = h.github.addCommit(REPO, 'feat: b');
    await push(b);
    expect((await h.deps.repos.deploys.get(older!.id))?.state).toBe('superseded');
    expect((await h.deps.repos.deploys.get(autoDeployId('api', 'staging', b)))?.state).toBe('queued');

    await h.deps.repos.freezes.create({
      id: newId('F'),
      reason: 'raid',
      envs: ['staging'],
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + 3_600_000),
      createdBy: people.bob,
      createdAt: new Date(),
    });
    const c = h.github.addCommit(REPO, 'feat: c');
    await push(c);
    expect(await h.deps.repos.deploys.get(autoDeployId('api', 'staging', c))).toMatchObject({
      state: 'queued',
      waitingFor: { code: 'FROZEN' },
    });
  });

  it('takes on a request a crash left recorded but never gated', async () => {
    const sha = h.github.addCommit(REPO, 'fix: crash-safe');
    const id = autoDeployId('api', 'staging', sha);
    await recordRequest(h.deps, {
      id,
      target: { service: 'api', env: 'staging' },
      ref: 'main',
      sha,
      actor: AUTO_ACTOR,
      reason: 'recorded before a crash',
    });
    const outcome = await autoDeployCommit(h.deps, 'api', sha, 'poll');
    expect(outcome.kind).toBe('duplicate');
    expect((await h.deps.repos.deploys.get(id))?.state).toBe('dispatched');
    // The store refuses a second request of the same (service, SHA).
    await expect(
      recordRequest(h.deps, {
        id,
        target: { service: 'api', env: 'staging' },
        ref: 'main',
        sha,
        actor: AUTO_ACTOR,
        reason: 'again',
      }),
    ).rejects.toMatchObject({ code: 11000 });
    expect(stagingRuns(sha)).toHaveLength(1);
  });

  it('polls the branch head with ETags: the first head is the baseline, a new green head is deployed once', async () => {
    await pollBranchHeads(h.deps);
    expect(h.github.runs(REPO)).toHaveLength(0);
    h.github.resetRequests();
    await pollBranchHeads(h.deps);
    expect(h.github.requests().filter((r) => r.path.endsWith('/git/ref/heads/main'))).toMatchObject([
      { status: 304, notModified: true },
    ]);
    const sha = h.github.addCommit(REPO, 'feat: polled');
    await pollBranchHeads(h.deps);
    await pollBranchHeads(h.deps);
    expect(stagingRuns(sha)).toHaveLength(1);
    expect((await h.deps.repos.deploys.get(autoDeployId('api', 'staging', sha)))?.reason).toMatch(/poll/);
  });
});

describe('promotion to prod (§15)', () => {
  async function autoDeployedAndVerified(): Promise<Deploy> {
    const sha = h.github.addCommit(REPO, 'feat: promote me');
    await push(sha);
    const done = await trackUntilDone(h.deps, autoDeployId('api', 'staging', sha));
    return verify(done);
  }

  /** What prod runs now: the current head, through staging and an approval, as people do it. */
  async function prodRunsTheHead(): Promise<void> {
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    await verify(await trackUntilDone(h.deps, deploy.id));
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    await approveDeploy(h.deps, people.bob, progress.deploy.id);
    await trackUntilDone(h.deps, progress.deploy.id);
  }

  it('posts the promotion card once the auto deploy is verified on staging; any R5 approves it', async () => {
    await start();
    await prodRunsTheHead();
    const staging = await autoDeployedAndVerified();
    const promotion = await h.deps.repos.deploys.get(promotionId(staging.id));
    expect(promotion).toMatchObject({
      env: 'prod',
      sha: staging.sha,
      state: 'awaiting_approval',
      requestedBy: AUTO_ACTOR,
      promotionOf: staging.id,
    });
    const card = h.told.cards.find((c) => c.deploy.id === promotion!.id && c.pinged);
    expect(card?.deploy.commits?.map((c) => c.title)).toContain('feat: promote me');
    expect(card?.deploy.gates?.find((g) => g.code === 'NOT_ON_STAGING')?.ok).toBe(true);
    expect(card?.deploy.ciState).toBeDefined();

    expect((await refusal(approveDeploy(h.deps, people.alice, promotion!.id))).code).toBe('NOT_ALLOWED');
    const approved = await approveDeploy(h.deps, people.bob, promotion!.id);
    expect(approved.kind).toBe('dispatched');
    const prod = await trackUntilDone(h.deps, promotion!.id);
    expect(prod.state).toBe('succeeded');
    expect(h.told.markers.map((m) => m.id)).toContain(prod.id);
    expect(prod.approvedBy?.name).toBe('bob');
  });

  it("a person's verified staging deploy owes no promotion", async () => {
    await start();
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    await verify(await trackUntilDone(h.deps, deploy.id));
    expect(await h.deps.repos.deploys.get(promotionId(deploy.id))).toBeUndefined();
  });

  it('autoPromote afterNightlySmoke: a green smoke newer than the promotion approves it, unless a gate is red', async () => {
    await start((raw) => {
      const services = raw.services as Record<string, Record<string, unknown>>;
      services.api!.autoPromote = 'afterNightlySmoke';
    });
    const staging = await autoDeployedAndVerified();
    const id = promotionId(staging.id);
    // An older smoke says nothing about this SHA.
    await h.deps.repos.settings.set(smokeKey('api'), { red: false, at: '2020-01-01T00:00:00Z' }, new Date());
    expect(await autoPromoteAfterSmoke(h.deps)).toEqual([]);

    const freeze = await h.deps.repos.freezes.create({
      id: newId('F'),
      reason: 'launch',
      envs: ['prod'],
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + 3_600_000),
      createdBy: people.bob,
      createdAt: new Date(),
    });
    const smokeAt = new Date(Date.now() + 1_000).toISOString();
    await h.deps.repos.settings.set(smokeKey('api'), { red: false, at: smokeAt }, new Date());
    expect(await autoPromoteAfterSmoke(h.deps)).toEqual([]);
    expect((await h.deps.repos.deploys.get(id))?.state).toBe('awaiting_approval');

    await h.deps.repos.freezes.lift(freeze.id, people.bob, new Date());
    expect(await autoPromoteAfterSmoke(h.deps)).toEqual([id]);
    const promoted = await h.deps.repos.deploys.get(id);
    expect(promoted).toMatchObject({ approvedBy: AUTO_ACTOR });
    expect(['dispatched', 'running', 'succeeded']).toContain(promoted?.state);
    const audit = await h.deps.repos.audit.find({ deployId: id, limit: 20 });
    expect(audit.find((e) => e.action === 'deploy.approve')?.reason).toMatch(/nightly smoke/);
  });
});
