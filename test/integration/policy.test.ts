import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { requestRollback } from '../../src/app/rollback.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, startAppHarness, testConfig, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

const REPO = 'example-org/api';
let h: AppHarness;
afterEach(async () => {
  await h.close();
});

type Env = Record<string, unknown> & { name: string };
/** The harness with api's environments edited. */
async function start(edit: Partial<Record<'staging' | 'prod', Record<string, unknown>>> = {}): Promise<void> {
  const config = testConfig((raw) => {
    raw.freezeWindows = [];
    const api = (raw.services as Record<string, { environments: Env[] }>).api;
    for (const env of api?.environments ?? []) Object.assign(env, edit[env.name as 'staging' | 'prod']);
  });
  h = await startAppHarness({ config });
}

/** A branch or tag at `sha`, created through the local GitHub API as a person would push it. */
async function createRef(ref: string, sha: string): Promise<void> {
  const answer = await fetch(`${h.github.url}/repos/${REPO}/git/refs`, {
    method: 'POST',
    headers: { authorization: 'token test-token', 'content-type': 'application/json' },
    body: JSON.stringify({ ref, sha }),
  });
  expect(answer.status).toBe(201);
}

async function staging(ref?: string): Promise<Deploy> {
  const { deploy, progress } = await requestDeploy(h.deps, {
    actor: people.alice,
    service: 'api',
    env: 'staging',
    ...(ref ? { ref } : {}),
  });
  expect(progress.kind).toBe('dispatched');
  const done = await trackUntilDone(h.deps, deploy.id);
  return (await h.deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date())) ?? done;
}

async function prodRequest(ref?: string): Promise<Deploy> {
  const { progress } = await requestDeploy(h.deps, {
    actor: people.alice,
    service: 'api',
    env: 'prod',
    ...(ref ? { ref } : {}),
  });
  return progress.deploy;
}

/** `ref` runs on prod: through staging, approved by bob, succeeded. */
async function onProd(ref?: string): Promise<Deploy> {
  await staging(ref);
  const request = await prodRequest(ref);
  expect(request.state).toBe('awaiting_approval');
  await approveDeploy(h.deps, people.bob, request.id);
  return trackUntilDone(h.deps, request.id);
}

const line = (deploy: Deploy, label: string) => deploy.gates?.find((g) => g.label === label);

describe('ancestry: a prod deploy contains what runs on prod (§16)', () => {
  it('refuses a SHA behind prod with BEHIND_PROD and its count, and lets a rollback to it through', async () => {
    await start();
    const old = h.github.history(REPO)[3]!;
    await onProd(old);
    await onProd();
    await staging(old);
    const refused = await prodRequest(old);
    expect(refused).toMatchObject({ state: 'rejected', outcomeCode: 'BEHIND_PROD' });
    expect(refused.outcomeReason).toBe('3 commits behind what runs on prod; use /rollback to go back');

    const { progress } = await requestRollback(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
      to: old,
    });
    expect(progress.kind).toBe('awaiting_approval');
    expect(line(progress.deploy, 'Contains what runs on prod')).toMatchObject({ ok: true });
  });

  it('refuses a SHA that diverged from prod, and passes one ahead of it', async () => {
    await start();
    await onProd();
    await createRef('refs/heads/hotfix', h.github.history(REPO)[1]!);
    h.github.addCommit(REPO, 'fix: hotfix on an old base', { branch: 'hotfix' });
    await staging('hotfix');
    const diverged = await prodRequest('hotfix');
    expect(diverged.outcomeCode).toBe('BEHIND_PROD');
    expect(diverged.outcomeReason).toMatch(
      /^Does not contain what runs on prod \(1 commit ahead, 1 commit behind\)/,
    );

    h.github.addCommit(REPO, 'feat: next thing');
    await staging();
    const ahead = await prodRequest();
    expect(ahead.state).toBe('awaiting_approval');
    expect(line(ahead, 'Contains what runs on prod')?.reason).toBe(
      'Contains what runs on prod (1 commit ahead)',
    );
  });

  it('fails closed when GitHub cannot compare, saying why', async () => {
    await start();
    await onProd();
    h.github.addCommit(REPO, 'feat: next thing');
    await staging();
    h.github.failNextRequest({ method: 'GET', path: /\/compare\// }, 502, { times: 20 });
    const refused = await prodRequest();
    expect(refused).toMatchObject({ state: 'rejected', outcomeCode: 'GITHUB_UNAVAILABLE' });
    expect(refused.outcomeReason).toMatch(/^Cannot tell whether this SHA contains what runs on prod: /);
  });
});

describe('allowedRefs (§16)', () => {
  it('refuses a deploy from a ref the env does not allow, and takes main and a v* tag', async () => {
    await start({ staging: { allowedRefs: ['main', 'v*'] } });
    h.github.addCommit(REPO, 'wip: experiment', { branch: 'experiment' });
    const { progress } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      ref: 'experiment',
    });
    expect(progress).toMatchObject({ kind: 'refused', code: 'REF_NOT_ALLOWED' });
    expect(progress.deploy.outcomeReason).toBe(
      'Deploys to this environment come from main, v*; "experiment" is not one of them',
    );
    await createRef('refs/tags/v1.2.0', h.github.history(REPO)[0]!);
    expect((await staging('v1.2.0')).state).toBe('succeeded');
    expect((await staging('main')).state).toBe('succeeded');
  });
});

describe('requiredChecks and ignoredChecks (§16)', () => {
  it('waits for a required check until it is reported green', async () => {
    await start({ staging: { requiredChecks: ['security/*'] } });
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    expect(progress).toMatchObject({ kind: 'refused', code: 'CI_NOT_GREEN' });
    expect(progress.deploy.ciState).toBe('required check not reported yet: security/*');
    h.github.setCheckRun(REPO, 'main', 'security/scan', 'success');
    expect((await staging()).ciState).toBe('5/5 checks passed');
  });

  it('lets an ignored check fail, while a service without the rule is held by it', async () => {
    await start({ staging: { ignoredChecks: ['lint'] } });
    h.github.setCheckRun(REPO, 'main', 'lint', 'failure');
    h.github.setCheckRun('example-org/web', 'main', 'lint', 'failure');
    expect((await staging()).ciState).toBe('4/4 checks passed');
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'web', env: 'staging' });
    expect(progress).toMatchObject({ kind: 'refused', code: 'CI_NOT_GREEN' });
    expect(progress.deploy.ciState).toBe('1 failing: lint');
  });
});
