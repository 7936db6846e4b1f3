import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler } from '../../src/adapters/http/github-webhook.js';
import {
  approveInAdvance,
  armScheduleFire,
  cancelScheduled,
  autoDeployCommit,
  autoDeployId,
  autoPromoteAfterSmoke,
  fireScheduled,
  listScheduled,
  pollBranchHeads,
  promotionId,
  requestPromotion,
  scheduleDeploy,
} from '../../src/app/continuous/index.js';
import { recordRequest, requestDeploy } from '../../src/app/deploys/request.js';
import { smokeKey } from '../../src/app/deploys/smoke-state.js';
import { transition } from '../../src/app/pipeline/transition.js';
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

const REPO = 'example-org/api';
const SECRET = 'continuous-edges-secret';
let h: AppHarness;

async function start(edit: (raw: Record<string, unknown>) => void = () => undefined): Promise<void> {
  h = await startAppHarness({
    config: testConfig((raw) => {
      raw.freezeWindows = [];
      edit(raw);
    }),
  });
}
afterEach(async () => {
  await h.close();
});

async function succeededOnStaging(): Promise<Deploy> {
  const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  return trackUntilDone(h.deps, deploy.id);
}

describe('continuous delivery: the edges', () => {
  beforeEach(async () => {
    await start();
  });

  it('a service that did not opt in is never auto deployed; CI with no checks waits', async () => {
    const web = h.github.addCommit('example-org/web', 'feat: web');
    expect((await autoDeployCommit(h.deps, 'web', web, 'poll')).kind).toBe('not-head');
    expect((await autoDeployCommit(h.deps, 'nope', web, 'poll')).kind).toBe('not-head');
    const sha = h.github.addCommit(REPO, 'feat: no checks yet');
    h.github.setCiState(REPO, sha, 'none');
    expect((await autoDeployCommit(h.deps, 'api', sha, 'poll')).kind).toBe('ci-pending');
    expect(h.github.runs(REPO)).toHaveLength(0);
  });

  it('two looks racing for one commit: the store refuses the second request; other failures surface', async () => {
    const sha = h.github.addCommit(REPO, 'feat: race');
    const id = autoDeployId('api', 'staging', sha);
    const deploys = h.deps.repos.deploys;
    const get = deploys.get.bind(deploys);
    let blind = true;
    // The other look writes its request between this look's read and its create.
    deploys.get = async (wanted) => {
      if (wanted === id && blind) {
        blind = false;
        await recordRequest(h.deps, {
          id,
          target: { service: 'api', env: 'staging' },
          ref: 'main',
          sha,
          actor: AUTO_ACTOR,
          reason: 'the other look',
        });
        return undefined;
      }
      return get(wanted);
    };
    expect((await autoDeployCommit(h.deps, 'api', sha, 'status')).kind).toBe('duplicate');

    const next = h.github.addCommit(REPO, 'feat: store down');
    const create = deploys.create.bind(deploys);
    deploys.create = () => Promise.reject(new Error('store down'));
    await expect(autoDeployCommit(h.deps, 'api', next, 'poll')).rejects.toThrow('store down');
    deploys.create = create;
  });

  it('the poll survives a repo it cannot see and a GitHub that refuses it, and keeps the newest ETag', async () => {
    await pollBranchHeads(h.deps);
    const seen = await h.deps.repos.settings.get<{ sha: string; etag?: string }>('cd-head:api');
    expect(seen?.etag).toBeDefined();
    // An ETag GitHub no longer knows (it answers 200): the new one is kept, nothing is deployed.
    await h.deps.repos.settings.set('cd-head:api', { ...seen, etag: '"stale"' }, new Date());
    await pollBranchHeads(h.deps);
    expect(await h.deps.repos.settings.get('cd-head:api')).toEqual(seen);
    // A commit that is red: the poll records it as dealt with and does not look again.
    const red = h.github.addCommit(REPO, 'feat: red', { ci: 'failure' });
    await pollBranchHeads(h.deps);
    expect(await h.deps.repos.settings.get('cd-head:api')).toMatchObject({ sha: red, settled: true });
    h.github.hideRepo(REPO);
    await pollBranchHeads(h.deps);
    h.github.revokeCredentials();
    await pollBranchHeads(h.deps);
    expect(h.github.runs(REPO)).toHaveLength(0);
  });

  it('commit events that cannot be deployable are acknowledged without a look', async () => {
    const handle = createGitHubWebhookHandler(h.deps, SECRET);
    const send = (event: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      return handle(
        {
          'x-github-event': event,
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': webhookSignature(SECRET, body),
        },
        body,
      );
    };
    const repository = { full_name: REPO };
    const sha = h.github.addCommit(REPO, 'feat: events');
    const nothing = { status: 202, body: 'nothing to deploy' };
    expect(await send('push', { ref: 'refs/heads/main', after: sha, deleted: true, repository })).toEqual(
      nothing,
    );
    expect(await send('push', { ref: 'refs/tags/v1', after: sha, repository })).toEqual(nothing);
    const suite = (over: Record<string, unknown>) => ({
      action: 'completed',
      check_suite: { head_branch: 'main', head_sha: sha, conclusion: 'success', ...over },
      repository,
    });
    expect(await send('check_suite', suite({ conclusion: 'failure' }))).toEqual(nothing);
    expect(await send('check_suite', suite({ head_branch: null }))).toEqual(nothing);
    expect(await send('check_suite', { ...suite({}), action: 'requested' })).toEqual(nothing);
    expect(await send('status', { sha, state: 'pending', repository })).toEqual(nothing);
    expect(await send('push', { ref: 'refs/heads/main', after: 'not-a-sha', repository })).toEqual(nothing);
    const broken = '{"ref":';
    expect(
      (
        await handle(
          {
            'x-github-event': 'push',
            'x-github-delivery': randomUUID(),
            'x-hub-signature-256': webhookSignature(SECRET, broken),
          },
          broken,
        )
      ).status,
    ).toBe(400);
    expect((await send('check_suite', suite({}))).body).toBe('api: started');
  });
});

describe('promotion: the edges', () => {
  it('asks nothing for a deploy not verified, one already on prod, or twice for one staging deploy', async () => {
    await start();
    const staging = await succeededOnStaging();
    expect(await requestPromotion(h.deps, staging)).toBeUndefined();
    const verified = (await h.deps.repos.deploys.update(
      staging.id,
      { verification: 'verified' },
      new Date(),
    ))!;
    const first = await requestPromotion(h.deps, verified);
    expect(first?.state).toBe('awaiting_approval');
    expect((await requestPromotion(h.deps, verified))?.id).toBe(first?.id);
    expect(h.told.cards.filter((c) => c.deploy.id === first?.id && c.pinged)).toHaveLength(1);
    // Already on prod: a staging deploy of that SHA asks for nothing.
    await h.deps.repos.deploys.update(first!.id, { state: 'succeeded' }, new Date());
    const again = { ...verified, id: 'D11111111' };
    expect(await requestPromotion(h.deps, again)).toBeUndefined();
    expect(await h.deps.repos.deploys.get(promotionId(again.id))).toBeUndefined();
  });

  it('a service without a prod env has nothing to promote to', async () => {
    await start((raw) => {
      const services = raw.services as Record<string, { environments: { name: string }[] }>;
      services.api!.environments = services.api!.environments.filter((e) => e.name !== 'prod');
    });
    const staging = await succeededOnStaging();
    expect(await requestPromotion(h.deps, { ...staging, verification: 'verified' })).toBeUndefined();
  });

  it("autoPromote leaves people's prod requests, red smokes and decided approvals alone", async () => {
    await start((raw) => {
      const services = raw.services as Record<string, Record<string, unknown>>;
      services.api!.autoPromote = 'afterNightlySmoke';
    });
    expect(await autoPromoteAfterSmoke(h.deps)).toEqual([]); // no smoke yet
    const staging = await succeededOnStaging();
    await h.deps.repos.deploys.update(staging.id, { verification: 'verified' }, new Date());
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress.kind).toBe('awaiting_approval');
    const later = new Date(Date.now() + 1_000).toISOString();
    await h.deps.repos.settings.set(smokeKey('api'), { red: true, at: later }, new Date());
    expect(await autoPromoteAfterSmoke(h.deps)).toEqual([]);
    await h.deps.repos.settings.set(smokeKey('api'), { red: false, at: later }, new Date());
    expect(await autoPromoteAfterSmoke(h.deps)).toEqual([]); // a person's request waits for an R5

    const promotion = await requestPromotion(h.deps, {
      ...staging,
      verification: 'verified',
    });
    await h.deps.repos.approvals.decide(promotion!.id, 'rejected', { by: people.bob, at: new Date() });
    expect(await autoPromoteAfterSmoke(h.deps)).toEqual([]);
  });
});

describe('scheduled deploys: the edges', () => {
  beforeEach(async () => {
    await start();
  });
  const inAnHour = () => new Date(Date.now() + 3_600_000);

  it('staging needs no approval in advance; the list filters by service; no time, no job', async () => {
    const progress = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      at: inAnHour(),
    });
    expect((await refusal(approveInAdvance(h.deps, people.bob, progress.deploy))).code).toBe('BAD_INPUT');
    expect((await listScheduled(h.deps, 'web')).length).toBe(0);
    expect((await listScheduled(h.deps, 'api')).length).toBe(1);
    const before = h.jobs.scheduled.length;
    const { scheduledFor: _omitted, ...unscheduled } = progress.deploy;
    await armScheduleFire(h.deps, unscheduled);
    expect(h.jobs.scheduled.length).toBe(before);
    expect(await fireScheduled(h.deps, 'D22222222')).toBeUndefined();
  });

  it('a ref that is gone by fire time fires with the SHA it was scheduled for', async () => {
    const sha = h.github.addCommit(REPO, 'feat: on a branch', { branch: 'release' });
    const progress = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      ref: 'release',
      at: inAnHour(),
    });
    h.github.failNextRequest({ method: 'GET', path: /\/commits\/release$/ }, 404);
    const fired = await fireScheduled(h.deps, progress.deploy.id);
    expect(fired?.sha).toBe(sha);
    expect(fired?.state).toBe('dispatched');
  });

  it('fired, then stopped before its gates: the next run of the job takes it through them, once', async () => {
    const progress = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      at: inAnHour(),
    });
    // The process died right after the `fire` write.
    const fired = await transition(h.deps, progress.deploy, 'fire', {}, { actor: SYSTEM_ACTOR });
    expect(fired).toMatchObject({ state: 'requested' });
    expect((await fireScheduled(h.deps, progress.deploy.id))?.state).toBe('dispatched');
    expect((await fireScheduled(h.deps, progress.deploy.id))?.state).toBe('dispatched');
    expect(h.github.runs(REPO)).toHaveLength(1);
  });

  it('two fire jobs at once dispatch once; an approval in advance after it fired is refused', async () => {
    const progress = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      at: inAnHour(),
    });
    const [a, b] = await Promise.all([
      fireScheduled(h.deps, progress.deploy.id),
      fireScheduled(h.deps, progress.deploy.id),
    ]);
    expect([a?.id, b?.id]).toEqual([progress.deploy.id, progress.deploy.id]);
    expect(h.github.runs(REPO)).toHaveLength(1);

    const prod = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
      at: inAnHour(),
    });
    await fireScheduled(h.deps, prod.deploy.id);
    // bob clicks on the card as it was before it fired.
    expect((await refusal(approveInAdvance(h.deps, people.bob, prod.deploy))).message).toMatch(
      /not scheduled any more/,
    );
  });

  it('a staging request whose ref moved fires with the new SHA and says so', async () => {
    const progress = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      at: inAnHour(),
    });
    const moved = h.github.addCommit(REPO, 'feat: newer');
    const fired = await fireScheduled(h.deps, progress.deploy.id);
    expect(fired).toMatchObject({ sha: moved, state: 'dispatched' });
    expect(fired?.outcomeReason).toMatch(/main moved from/);
    expect(fired?.outcomeReason).not.toMatch(/in advance/);
  });

  it('firing supersedes older waiting requests; the list is soonest first; racing clicks decide once', async () => {
    await succeededOnStaging().then((d) =>
      h.deps.repos.deploys.update(d.id, { verification: 'verified' }, new Date()),
    );
    const prod = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
      at: inAnHour(),
    });
    const clicks = await Promise.allSettled([
      approveInAdvance(h.deps, people.bob, prod.deploy),
      approveInAdvance(h.deps, people.carol, prod.deploy),
    ]);
    const refused = clicks.filter((c): c is PromiseRejectedResult => c.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(String(refused[0]?.reason)).toMatch(/already approved in advance by/);

    h.github.holdRuns(true);
    await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const { deploy: waiting } = await requestDeploy(h.deps, {
      actor: people.bob,
      service: 'api',
      env: 'staging',
    });
    expect(waiting.state).toBe('queued');
    const later = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      at: new Date(Date.now() + 7_200_000),
    });
    const sooner = await scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      at: new Date(Date.now() + 3_660_000),
    });
    expect((await listScheduled(h.deps)).map((d) => d.id)).toEqual([
      prod.deploy.id,
      sooner.deploy.id,
      later.deploy.id,
    ]);
    const fired = await fireScheduled(h.deps, sooner.deploy.id);
    expect(fired).toMatchObject({ state: 'queued', waitingFor: { code: 'BUSY' } });
    expect((await h.deps.repos.deploys.get(waiting.id))?.state).toBe('superseded');
    h.github.holdRuns(false);

    const cancels = await Promise.allSettled([
      cancelScheduled(h.deps, people.alice, later.deploy.id),
      cancelScheduled(h.deps, people.bob, later.deploy.id),
    ]);
    expect(cancels.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected']);
  });
});
