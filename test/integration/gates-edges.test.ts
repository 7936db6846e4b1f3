import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy, cancelRequest } from '../../src/app/deploys/decide.js';
import { checkGates } from '../../src/app/deploys/gates.js';
import { proceed } from '../../src/app/deploys/proceed.js';
import { liftFreeze, startFreeze } from '../../src/app/freezes.js';
import { voidPendingApprovals } from '../../src/app/ops-effects.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { sweepOutbox } from '../../src/app/pipeline/worker.js';
import { GitHubError } from '../../src/app/ports/github.js';
import { MAINTENANCE_KEY } from '../../src/app/settings.js';
import { ManualClock } from '../../src/domain/clock.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { prodAwaitingApproval, requestStaging, stagingRan } from '../helpers/deploys.js';
import { beforeNextCall, replaceMethod } from '../helpers/interpose.js';

/** The gates (§5) when GitHub cannot say, a change just before dispatch, and approvals voided in a race. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const REPO = 'example-org/api';
const runs = (h: AppHarness, env: string) =>
  h.github.runs(REPO).filter((r) => r.workflow === 'deploy.yml' && r.inputs.environment === env);
const VOID = { code: 'FROZEN', reason: 'release freeze', actor: people.carol } as const;

describe('gates when GitHub cannot give the CI verdict', () => {
  it('refuses a deploy when GitHub refuses the credentials for the CI read: the verdict unknown, the credentials gate red', async () => {
    h = await startAppHarness();
    replaceMethod(
      h.deps.github,
      'ciStatus',
      () => () => Promise.reject(new GitHubError('bad_credentials', 'Bad credentials', 401)),
    );

    const { deploy, progress } = await requestStaging(h.deps);

    expect(progress.kind).toBe('refused');
    const refused = await h.deps.repos.deploys.get(deploy.id);
    expect(refused).toMatchObject({
      state: 'rejected',
      outcomeCode: 'CI_NOT_GREEN',
      ciState: 'unknown (GitHub refused the credentials)',
    });
    // Fail closed on both counts: no verdict is not green, and the refused credentials block by themselves.
    expect(refused?.gates?.filter((g) => !g.ok).map((g) => g.code)).toEqual([
      'CI_NOT_GREEN',
      'GITHUB_CREDENTIALS',
    ]);
    expect(runs(h, 'staging')).toHaveLength(0);
  });

  it('fails closed when the CI read fails otherwise: the request errors and nothing is approved or dispatched', async () => {
    h = await startAppHarness();
    replaceMethod(
      h.deps.github,
      'ciStatus',
      () => () => Promise.reject(new GitHubError('unavailable', 'GitHub is unavailable', 503)),
    );

    await expect(requestStaging(h.deps)).rejects.toThrow('GitHub is unavailable');

    const [left] = await h.deps.repos.deploys.findByStates(['requested'], { service: 'api', env: 'staging' });
    expect(left?.state).toBe('requested');
    expect(runs(h, 'staging')).toHaveLength(0);
  });
});

describe('gates at the edges of a deploy', () => {
  it('lists the commits a deploy brings, without a time for those GitHub gives no author date', async () => {
    h = await startAppHarness();
    const ran = await stagingRan(h);
    const newer = h.github.addCommit(REPO, 'fix: rounding');
    replaceMethod(h.deps.github, 'compare', (real) => async (repo, base, head) => {
      const comparison = await real(repo, base, head);
      return { ...comparison, commits: comparison.commits.map(({ date: _date, ...c }) => c) };
    });

    const check = await checkGates(
      h.deps,
      { ...ran, sha: newer, previousSha: ran.sha },
      { withCommits: true },
    );

    expect(check.commits).toEqual([{ sha: newer, title: 'fix: rounding', author: expect.any(String) }]);
  });

  it('refuses a deploy whose retried dispatch finds maintenance turned on, saying why, dispatching nothing', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    let first = true;
    replaceMethod(h.deps.github, 'dispatch', (real) => (repo, workflow, request) => {
      if (!first) return real(repo, workflow, request);
      first = false;
      return Promise.reject(new Error('socket hang up'));
    });
    const { deploy } = await requestStaging(h.deps);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('approved');
    await h.deps.repos.settings.set(
      MAINTENANCE_KEY,
      { on: true, reason: 'database upgrade', by: people.carol, at: clock.now().toISOString() },
      clock.now(),
    );

    clock.advance(60_000);
    await sweepOutbox(h.deps);

    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({
      state: 'rejected',
      outcomeCode: 'MAINTENANCE',
      outcomeReason: 'Maintenance is on: database upgrade',
    });
    expect(runs(h, 'staging')).toHaveLength(0);
  });

  it('a deploy cancelled while it was being taken on is a lost race: nothing approved or dispatched', async () => {
    h = await startAppHarness();
    const prod = await prodAwaitingApproval(h);
    const stale = { ...prod, state: 'requested' as const };
    await h.deps.repos.deploys.update(prod.id, { state: 'cancelled' }, new Date());

    const progress = await proceed(h.deps, stale, { actor: people.alice });

    expect(progress).toMatchObject({ kind: 'lost-race', deploy: stale });
    expect((await h.deps.repos.deploys.get(prod.id))?.state).toBe('cancelled');
    expect(runs(h, 'prod')).toHaveLength(0);
  });
});

describe('approvals voided by a freeze, in a race', () => {
  it('an approval an R5 gives just as the freeze starts is not voided: the deploy goes on', async () => {
    h = await startAppHarness();
    const prod = await prodAwaitingApproval(h);
    const harness = h;
    beforeNextCall(h.deps.repos.approvals, 'decide', () => approveDeploy(harness.deps, people.bob, prod.id));

    const voided = await voidPendingApprovals(h.deps, ['prod'], VOID);

    expect(voided).toBe(0);
    expect((await h.deps.repos.approvals.get(prod.id))?.status).toBe('approved');
    expect(runs(h, 'prod')).toHaveLength(1);
    expect(h.told.requesters.filter((t) => t.deployId === prod.id)).toEqual([]);
  });

  it('voids an approval whose deploy record is gone, telling nobody', async () => {
    h = await startAppHarness();
    const prod = await prodAwaitingApproval(h);
    const approval = (await h.deps.repos.approvals.get(prod.id))!;
    await h.deps.repos.approvals.decide(prod.id, 'rejected', { by: people.bob, at: new Date() });
    await h.deps.repos.approvals.create({ ...approval, deployId: 'D-gone' });

    const voided = await voidPendingApprovals(h.deps, ['prod'], VOID);

    expect(voided).toBe(1);
    expect(await h.deps.repos.approvals.get('D-gone')).toMatchObject({
      status: 'void',
      voidReason: 'release freeze',
    });
    expect(h.told.requesters).toEqual([]);
  });

  it('a request cancelled just as the freeze voids its approval stays cancelled, and its requester hears only that', async () => {
    h = await startAppHarness();
    const prod = await prodAwaitingApproval(h);
    const harness = h;
    beforeNextCall(h.deps.repos.deploys, 'apply', () => cancelRequest(harness.deps, people.alice, prod.id));

    const voided = await voidPendingApprovals(h.deps, ['prod'], VOID);

    expect(voided).toBe(1);
    const cancelled = await h.deps.repos.deploys.get(prod.id);
    expect(cancelled?.state).toBe('cancelled');
    expect(cancelled?.waitingFor).toBeUndefined();
    expect(h.told.requesters.filter((t) => t.deployId === prod.id && /void/i.test(t.text))).toEqual([]);
  });
});

describe('freezes when Discord or one record fails', () => {
  it('a lifted freeze Discord fails to announce is lifted all the same', async () => {
    h = await startAppHarness();
    const freeze = await startFreeze(h.deps, people.bob, { durationMs: 3_600_000, reason: 'db move' });
    const deps: AppDeps = {
      ...h.deps,
      notifier: { ...h.deps.notifier, announce: () => Promise.reject(new Error('Discord is down')) },
    };

    const lifted = await liftFreeze(deps, people.bob, freeze.id);

    expect(lifted.id).toBe(freeze.id);
    const now = h.deps.clock.now();
    expect(await h.deps.repos.freezes.overlapping(now, new Date(now.getTime() + 1))).toEqual([]);
  });

  it('an approval that cannot be voided is left pending, and the others are voided', async () => {
    h = await startAppHarness();
    const prod = await prodAwaitingApproval(h);
    const approval = (await h.deps.repos.approvals.get(prod.id))!;
    await h.deps.repos.approvals.create({ ...approval, deployId: 'D-other' });
    replaceMethod(
      h.deps.repos.approvals,
      'decide',
      (real) => (deployId, status, decision) =>
        deployId === prod.id
          ? Promise.reject(new Error('database unavailable'))
          : real(deployId, status, decision),
    );

    const voided = await voidPendingApprovals(h.deps, ['prod'], VOID);

    expect(voided).toBe(1);
    expect((await h.deps.repos.approvals.get(prod.id))?.status).toBe('pending');
    expect((await h.deps.repos.approvals.get('D-other'))?.status).toBe('void');
    expect((await h.deps.repos.deploys.get(prod.id))?.state).toBe('awaiting_approval');
  });
});
