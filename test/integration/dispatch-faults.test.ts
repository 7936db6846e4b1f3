import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { sweepOutbox } from '../../src/app/pipeline/worker.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { migrationLock } from '../helpers/deploys.js';

/** The dispatch an approval owes (§4.5) when GitHub does not simply say yes. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const REPO = 'example-org/api';
const DISPATCHES = { method: 'POST', path: /\/dispatches$/ };
const prodRuns = (h: AppHarness) => h.github.runs(REPO).filter((r) => r.inputs.environment === 'prod');

/** A prod deploy waiting for an approval, its SHA verified on staging. */
async function awaitingProd(h: AppHarness): Promise<Deploy> {
  const staging = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  const done = await trackUntilDone(h.deps, staging.deploy.id);
  await h.deps.repos.deploys.update(done.id, { verification: 'verified' }, h.deps.clock.now());
  const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
  return deploy;
}

/** Sweeps the outbox (as its job does), moving the clock past each backoff, until `done` or `rounds` ran. */
async function sweepUntil(h: AppHarness, clock: ManualClock, id: string, done: (d: Deploy) => boolean) {
  for (let round = 0; round < 30; round++) {
    const deploy = (await h.deps.repos.deploys.get(id))!;
    if (done(deploy)) return deploy;
    clock.advance(3 * 60_000);
    await sweepOutbox(h.deps);
  }
  throw new Error(`deploy ${id} did not get there`);
}

describe('dispatch faults', () => {
  it('fails the deploy at once when GitHub refuses the dispatch for good, saying why', async () => {
    h = await startAppHarness();
    const deploy = await awaitingProd(h);
    h.github.failNextRequest(DISPATCHES, 422);

    const progress = await approveDeploy(h.deps, people.bob, deploy.id);

    expect(progress.kind).toBe('failed');
    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({
      state: 'failed',
      outcomeReason: expect.stringMatching(/^GitHub refused the dispatch: /),
    });
    expect(prodRuns(h)).toHaveLength(0);
  });

  it('retries while GitHub is unavailable, never dispatching twice, and fails after its tries', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    const deploy = await awaitingProd(h);
    h.github.failNextRequest(DISPATCHES, 503, { times: 1_000 });

    await approveDeploy(h.deps, people.bob, deploy.id);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('approved');
    const failed = await sweepUntil(h, clock, deploy.id, (d) => d.state !== 'approved');

    expect(failed).toMatchObject({ state: 'failed', outcomeReason: expect.stringMatching(/GitHub refused/) });
    const dispatch = Object.values(failed.effects ?? {}).find((e) => e.spec.kind === 'dispatch');
    expect(dispatch).toMatchObject({ status: 'done', attempts: 5 });
    expect(prodRuns(h)).toHaveLength(0);
  });

  it('checks the gates again before a retried dispatch: a lock taken meanwhile sends it back to the queue', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    const deploy = await awaitingProd(h);
    // The first try fails (and its retries inside the client); the next one finds a lock.
    h.github.failNextRequest(DISPATCHES, 503, { times: 4 });
    await approveDeploy(h.deps, people.bob, deploy.id);
    await migrationLock(h, 'prod', clock.now());

    const held = await sweepUntil(h, clock, deploy.id, (d) => d.state !== 'approved');

    expect(held).toMatchObject({ state: 'queued', waitingFor: { code: 'LOCKED' } });
    expect(prodRuns(h)).toHaveLength(0);
  });

  it('records the run a retried dispatch had started after all, without dispatching again', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    const deploy = await awaitingProd(h);
    // GitHub started the run but the answer was lost (5xx after the request took effect).
    h.github.failNextRequest(DISPATCHES, 502, { after: true, times: 4 });
    await approveDeploy(h.deps, people.bob, deploy.id);

    const recorded = await sweepUntil(h, clock, deploy.id, (d) => d.state !== 'approved');

    expect(recorded.state).toMatch(/dispatched|running|succeeded/);
    expect(prodRuns(h)).toHaveLength(1);
    expect(recorded.runId).toBe(prodRuns(h)[0]?.id);
  });
});
