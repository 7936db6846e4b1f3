import { afterEach, describe, expect, it } from 'vitest';
import { GitHubError } from '../../src/app/ports/github.js';
import { requestRollback, rollbackFromCard } from '../../src/app/rollback.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, refusal, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { requestStaging, stagingRan } from '../helpers/deploys.js';
import { replaceMethod } from '../helpers/interpose.js';

/** Rollbacks (§3, §8) of deploys that lack what a rollback usually names: a version, new commits. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A staging deploy that failed before it got a version: GitHub refused the tag listing for good. */
async function failedWithoutVersion(h: AppHarness): Promise<Deploy> {
  const restore = replaceMethod(
    h.deps.github,
    'listTags',
    () => () => Promise.reject(new GitHubError('not_found', 'Not Found', 404)),
  );
  const { deploy } = await requestStaging(h.deps);
  restore();
  const failed = (await h.deps.repos.deploys.get(deploy.id))!;
  expect(failed).toMatchObject({ state: 'failed' });
  expect(failed.version).toBeUndefined();
  return failed;
}

describe('rollback edges', () => {
  it('rolling back a redeploy of the same SHA reverts no commits and asks GitHub for no comparison', async () => {
    h = await startAppHarness();
    const good = await stagingRan(h, { verified: true });
    const again = await stagingRan(h);
    expect(again.sha).toBe(good.sha);
    const compared: string[] = [];
    replaceMethod(h.deps.github, 'compare', (real) => (repo, base, head) => {
      compared.push(`${base}...${head}`);
      return real(repo, base, head);
    });

    const { deploy } = await requestRollback(h.deps, { actor: people.bob, service: 'api', env: 'staging' });

    expect(deploy).toMatchObject({
      kind: 'rollback',
      rollbackOf: again.id,
      sha: good.sha,
      commits: [],
      reason: `Rollback of ${again.version!} to ${good.version!}`,
    });
    expect(compared).toEqual([]);
  });

  it('the Rollback button on a deploy that failed before it got a version names that deploy by its id', async () => {
    h = await startAppHarness();
    const good = await stagingRan(h, { verified: true });
    const failed = await failedWithoutVersion(h);

    const { deploy } = await rollbackFromCard(h.deps, people.bob, failed.id);

    expect(deploy).toMatchObject({
      kind: 'rollback',
      rollbackOf: failed.id,
      sha: good.sha,
      reason: `Rollback of ${failed.id} to ${good.version!}`,
    });
  });

  it('with no verified deploy before one that failed without a version, asks for `to`, naming the failed deploy', async () => {
    h = await startAppHarness();
    const failed = await failedWithoutVersion(h);

    const error = await refusal(rollbackFromCard(h.deps, people.bob, failed.id));

    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe(
      `No verified deploy of api to staging before ${failed.id}: name one with \`to\`.`,
    );
  });

  it('a rollback takes precedence over a request still queued for the env, and goes on when GitHub cannot list the reverted commits', async () => {
    h = await startAppHarness();
    const good = await stagingRan(h, { verified: true });
    h.github.addCommit('example-org/api', 'feat: risky');
    const risky = await stagingRan(h);
    await h.deps.repos.locks.acquire({
      service: 'api',
      env: 'staging',
      kind: 'manual',
      reason: 'database migration',
      createdBy: { id: people.carol.id, name: 'carol' },
      createdAt: h.deps.clock.now(),
    });
    const { deploy: waiting, progress } = await requestStaging(h.deps);
    expect(progress.kind).toBe('queued');
    replaceMethod(
      h.deps.github,
      'compare',
      () => () => Promise.reject(new GitHubError('unavailable', 'GitHub is unavailable', 503)),
    );

    const { deploy } = await requestRollback(h.deps, { actor: people.bob, service: 'api', env: 'staging' });

    expect(deploy).toMatchObject({ kind: 'rollback', rollbackOf: risky.id, sha: good.sha, commits: [] });
    expect(await h.deps.repos.deploys.get(waiting.id)).toMatchObject({
      state: 'superseded',
      outcomeReason: `Superseded: rollback to ${good.sha.slice(0, 7)} requested.`,
    });
  });
});
