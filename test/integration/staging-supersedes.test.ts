import { afterEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { stagingRan } from '../helpers/deploys.js';

/** §4.3: a newer SHA on staging makes a pending prod approval for an older SHA moot. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const verifiedOnStaging = async (h: AppHarness): Promise<string> =>
  (await stagingRan(h, { verified: true })).sha;

describe('a newer staging SHA', () => {
  it('supersedes the prod request waiting for approval of an older SHA, voiding its approval', async () => {
    h = await startAppHarness();
    const oldSha = await verifiedOnStaging(h);
    const { deploy: prod } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
    });
    expect(prod).toMatchObject({ state: 'awaiting_approval', sha: oldSha });

    const newSha = h.github.addCommit('example-org/api', 'fix: something newer');
    const { deploy: staging } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
    });
    expect(staging.sha).toBe(newSha);
    await trackUntilDone(h.deps, staging.id);
    await h.deps.outbox.drain(staging.id);

    expect(await h.deps.repos.deploys.get(prod.id)).toMatchObject({
      state: 'superseded',
      outcomeReason: `Superseded: staging moved on to ${newSha.slice(0, 7)}.`,
    });
    expect(await h.deps.repos.approvals.get(prod.id)).toMatchObject({ status: 'void' });
  });

  it('leaves a prod request for the same SHA waiting', async () => {
    h = await startAppHarness();
    await verifiedOnStaging(h);
    const { deploy: prod } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
    });

    // The same SHA deployed to staging again (a re-deploy) is no reason to void prod's approval.
    const { deploy: again } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
    });
    await trackUntilDone(h.deps, again.id);
    await h.deps.outbox.drain(again.id);

    expect((await h.deps.repos.deploys.get(prod.id))?.state).toBe('awaiting_approval');
  });
});
