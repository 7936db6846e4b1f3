import { afterEach, describe, expect, it } from 'vitest';
import { ancestryOf, compareShas } from '../../src/app/deploys/ancestry.js';
import { tickChecklistItem } from '../../src/app/deploys/checklist.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import type { Comparison } from '../../src/app/ports/github.js';
import { people, refusal, startAppHarness, testConfig, type AppHarness } from '../helpers/app-deps.js';
import { API, headOf, seedDeploy } from '../helpers/deploy-records.js';
import { harnessWithProd } from '../helpers/prod-requests.js';
import { prodAwaitingApproval } from '../helpers/deploys.js';
import { replaceMethod } from '../helpers/interpose.js';

/** What a deploy is looked up by and compared with: ids, env defaults, GitHub's compare, the checklist. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Counts GitHub compare calls from here on. */
function countCompares(harness: AppHarness): { calls: number } {
  const counter = { calls: 0 };
  replaceMethod(harness.deps.github, 'compare', (compare) => (...args) => {
    counter.calls += 1;
    return compare(...args);
  });
  return counter;
}

describe('looking a deploy up', () => {
  it('an id that names no deploy is refused as not found, echoing the id', async () => {
    h = await startAppHarness();
    expect(await refusal(approveDeploy(h.deps, people.bob, 'DN0SVCH01'))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'No deploy DN0SVCH01 was found.',
    });
  });

  it('an env that does not say whether it needs approval needs it when it is prod, and not otherwise', async () => {
    const config = testConfig((raw) => {
      raw.freezeWindows = [];
      const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api;
      for (const env of api?.environments ?? []) delete env.requiresApproval;
    });
    h = await startAppHarness({ config });

    expect((await prodAwaitingApproval(h)).state).toBe('awaiting_approval');
    const [staging] = await h.deps.repos.deploys.history({ service: 'api', env: 'staging', limit: 1 });
    expect(staging).toMatchObject({ state: 'succeeded' });
    expect(staging).not.toHaveProperty('approvedBy');
  });
});

describe("GitHub's compare with the SHA on prod", () => {
  it('asks GitHub each time when this instance keeps no memory of compares', async () => {
    h = await startAppHarness();
    const counter = countCompares(h);
    const { comparisons: _none, ...local } = h.deps.local;
    const deps: AppDeps = { ...h.deps, local };
    const [base, head] = [h.github.history(API)[1] ?? '', headOf(h)];

    await compareShas(deps, API, base, head);
    await compareShas(deps, API, base, head);

    expect(counter.calls).toBe(2);
  });

  it('a full memory is started afresh rather than grown', async () => {
    h = await startAppHarness();
    const remembered = h.deps.local.comparisons!;
    for (let i = 0; i < 500; i += 1) remembered.set(`old ${i}`, {} as Comparison);

    await compareShas(h.deps, API, h.github.history(API)[1] ?? '', headOf(h));

    expect(remembered.size).toBe(1);
  });

  it('a compare that fails other than with a GitHub error makes the ancestry unknown (the gate fails closed)', async () => {
    h = await startAppHarness();
    await seedDeploy(h, {
      id: 'DPR0D0001',
      env: 'prod',
      state: 'succeeded',
      sha: h.github.history(API)[1] ?? '',
    });
    const next = await seedDeploy(h, { id: 'DPR0D0002', env: 'prod', state: 'requested' });
    replaceMethod(h.deps.github, 'compare', () => () => Promise.reject(new TypeError('fetch failed')));

    expect(await ancestryOf(h.deps, API, next)).toMatchObject({
      ancestry: { kind: 'unknown', reason: 'GitHub did not answer' },
    });
  });
});

describe('the checklist', () => {
  it('a tick that lands as the approval closes is refused: the request no longer waits for it', async () => {
    h = await harnessWithProd({ checklist: ['Migrations applied'] });
    const deploy = await prodAwaitingApproval(h);
    const harness = h;
    replaceMethod(h.deps.repos.approvals, 'tick', (tick) => async (...args) => {
      await harness.deps.repos.approvals.decide(deploy.id, 'rejected', { by: people.bob, at: new Date() });
      return tick(...args);
    });

    expect((await refusal(tickChecklistItem(h.deps, people.alice, deploy.id, 0))).message).toBe(
      `Deploy ${deploy.id} is not waiting for its checklist.`,
    );
  });
});
