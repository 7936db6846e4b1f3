import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approveDeploy, rejectDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, startAppHarness, type AppHarness, refusal, trackUntilDone } from '../helpers/app-deps.js';
import { stagingRan } from '../helpers/deploys.js';

let h: AppHarness;
beforeEach(async () => {
  h = await startAppHarness();
});
afterEach(async () => {
  await h.close();
});

/** A green staging deploy, marked verified (verification itself has tests of its own). */
const deployToStaging = (): Promise<Deploy> => stagingRan(h, { verified: true });

describe('deploy flow (app layer, local GitHub API)', () => {
  it('dispatches staging at once, follows the run, posts one marker and mirrors a GitHub Deployment', async () => {
    const { progress } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      reason: 'try it',
    });
    expect(progress.kind).toBe('dispatched');
    const runs = h.github.runs('example-org/api');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.inputs).toMatchObject({
      environment: 'staging',
      sha: progress.deploy.sha,
      deploy_id: progress.deploy.id,
    });
    expect(runs[0]?.inputs.version).toMatch(/^v\d{4}\.\d{2}\.\d{2}$/);

    const done = await trackUntilDone(h.deps, progress.deploy.id);
    expect(done.state).toBe('succeeded');
    expect(h.told.markers.map((m) => m.id)).toEqual([done.id]);
    expect(h.events.markers).toEqual(['api/staging']);
    const deployments = h.github.deployments('example-org/api');
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      sha: done.sha,
      environment: 'staging',
      states: ['in_progress', 'success'],
    });
    const actions = (await h.deps.repos.audit.find({ deployId: done.id, limit: 50 }))
      .map((e) => e.action)
      .reverse();
    // "start" is recorded only when the tracker saw the run in progress before it completed.
    expect(
      actions.filter(
        (a) => a.startsWith('deploy.') && !a.startsWith('deploy.verification') && a !== 'deploy.start',
      ),
    ).toEqual(['deploy.requested', 'deploy.autoApprove', 'deploy.dispatch', 'deploy.succeed']);
  });

  it('asks an R5 other than the requester to approve prod, and dispatches exactly once', async () => {
    await deployToStaging();
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress.kind).toBe('awaiting_approval');
    const card = h.told.cards.find((c) => c.deploy.id === progress.deploy.id && c.pinged);
    expect(card?.deploy.gates?.every((g) => g.ok)).toBe(true);
    expect(h.jobs.scheduled.map((j) => j.name)).toEqual(
      expect.arrayContaining(['approval-reminder', 'approval-expiry']),
    );

    expect((await refusal(approveDeploy(h.deps, people.alice, progress.deploy.id))).message).toMatch(
      /R5 role/,
    );
    expect((await refusal(approveDeploy(h.deps, people.dave, progress.deploy.id))).code).toBe('NOT_ALLOWED');
    const approved = await approveDeploy(h.deps, people.bob, progress.deploy.id);
    expect(approved.kind).toBe('dispatched');
    expect(approved.deploy.approvedBy?.name).toBe('bob');
    expect(h.github.runs('example-org/api').filter((r) => r.inputs.environment === 'prod')).toHaveLength(1);
    expect((await refusal(approveDeploy(h.deps, people.carol, progress.deploy.id))).code).toBe(
      'ALREADY_DECIDED',
    );
  });

  it('never lets an R5 approve their own request (four-eyes)', async () => {
    await deployToStaging();
    const { deploy } = await requestDeploy(h.deps, { actor: people.bob, service: 'api', env: 'prod' });
    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toMatch(/four-eyes/);
    expect((await approveDeploy(h.deps, people.carol, deploy.id)).kind).toBe('dispatched');
  });

  it('gives one dispatch when two R5s approve at the same moment', async () => {
    await deployToStaging();
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    const results = await Promise.allSettled([
      approveDeploy(h.deps, people.bob, deploy.id),
      approveDeploy(h.deps, people.carol, deploy.id),
      approveDeploy(h.deps, people.bob, deploy.id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(h.github.runs('example-org/api').filter((r) => r.inputs.environment === 'prod')).toHaveLength(1);
  });

  it('refuses prod for a SHA that was never deployed to staging (NOT_ON_STAGING)', async () => {
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress).toMatchObject({ kind: 'refused', code: 'NOT_ON_STAGING' });
    expect(h.github.runs('example-org/api')).toHaveLength(0);
  });

  it('reads roles live: an approver who lost R5 is refused', async () => {
    await deployToStaging();
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    const bobWithoutR5 = { ...people.bob, roleIds: [] };
    expect((await refusal(approveDeploy(h.deps, bobWithoutR5, deploy.id))).code).toBe('NOT_ALLOWED');
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('awaiting_approval');
  });

  it('versions a second prod release on the same day -patch1, and tags each release', async () => {
    await deployToStaging();
    const first = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    await approveDeploy(h.deps, people.bob, first.deploy.id);
    const one = await trackUntilDone(h.deps, first.deploy.id);
    const second = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    await approveDeploy(h.deps, people.carol, second.deploy.id);
    const two = await trackUntilDone(h.deps, second.deploy.id);
    expect(one.version).toMatch(/^v\d{4}\.\d{2}\.\d{2}$/);
    expect(two.version).toBe(`${one.version ?? ''}-patch1`);
    expect(Object.keys(h.github.tags('example-org/api'))).toEqual(
      expect.arrayContaining([one.version, two.version]),
    );
    expect(two.previousVersion).toBe(one.version);
  });

  it('answers bad options clearly and records nothing', async () => {
    expect(
      (await refusal(requestDeploy(h.deps, { actor: people.alice, service: 'nope', env: 'prod' }))).message,
    ).toMatch(/Known services: api, web/);
    expect(
      (await refusal(requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'qa' }))).code,
    ).toBe('UNKNOWN_ENV');
    expect(
      (
        await refusal(
          requestDeploy(h.deps, {
            actor: people.alice,
            service: 'api',
            env: 'staging',
            ref: 'no-such-branch',
          }),
        )
      ).code,
    ).toBe('UNKNOWN_REF');
    expect(
      (await refusal(requestDeploy(h.deps, { actor: people.dave, service: 'api', env: 'staging' }))).code,
    ).toBe('NOT_ALLOWED');
    expect(await h.deps.repos.deploys.history({ limit: 10 })).toEqual([]);
  });

  it('marks a failed run failed and offers a rollback on the card', async () => {
    await deployToStaging();
    h.github.failNext('example-org/api');
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(h.deps, deploy.id);
    expect(done.state).toBe('failed');
    expect(done.outcomeReason).toMatch(/failure/);
    expect(done.previousSha).toBeDefined();
    expect(h.told.markers).toHaveLength(1);
  });

  it('lets an R5 reject, and the requester is told on the card', async () => {
    await deployToStaging();
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    const rejected = await rejectDeploy(h.deps, people.carol, deploy.id);
    expect(rejected.state).toBe('rejected');
    expect(h.told.cards.at(-1)?.deploy.state).toBe('rejected');
    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).code).toBe('ALREADY_DECIDED');
  });
});
