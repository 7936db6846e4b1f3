import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy, cancelRequest, rejectDeploy, resumeRequest } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, refusal, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { migrationLock, prodAwaitingApproval } from '../helpers/deploys.js';

/** Approve, Reject, Cancel and Deploy now (§4.3) on a request that is no longer where the button thinks. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function awaitingProd(
  clock = new ManualClock(new Date()),
): Promise<{ h: AppHarness; deploy: Deploy; clock: ManualClock }> {
  h = await startAppHarness({ clock });
  const deploy = await prodAwaitingApproval(h);
  return { h, deploy, clock };
}

describe('deciding a request', () => {
  it('tells a late approver who approved it, and a late rejecter that it is decided', async () => {
    const { h, deploy } = await awaitingProd();
    await approveDeploy(h.deps, people.bob, deploy.id);

    expect((await refusal(approveDeploy(h.deps, people.carol, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was already approved by bob.`,
    );
    expect((await refusal(rejectDeploy(h.deps, people.carol, deploy.id))).code).toBe('ALREADY_DECIDED');
    expect((await refusal(cancelRequest(h.deps, people.alice, deploy.id))).message).toMatch(
      /already approved/,
    );
  });

  it('a rejected request: Approve says so, nothing is dispatched', async () => {
    const { h, deploy } = await awaitingProd();
    const rejected = await rejectDeploy(h.deps, people.carol, deploy.id);
    expect(rejected).toMatchObject({ state: 'rejected', outcomeReason: 'Rejected by carol.' });

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was rejected.`,
    );
    expect(h.github.runs('example-org/api').filter((r) => r.inputs.environment === 'prod')).toHaveLength(0);
  });

  it('an approval past its expiry is refused with EXPIRED, even before the expiry job ran', async () => {
    const { h, deploy, clock } = await awaitingProd();
    clock.advance(h.deps.config.approval.expiry + 1);

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).code).toBe('EXPIRED');
  });

  it('a request withdrawn by its requester: Approve says it was cancelled, and it cannot be cancelled again', async () => {
    const { h, deploy } = await awaitingProd();
    expect((await refusal(cancelRequest(h.deps, people.dave, deploy.id))).code).toBe('NOT_ALLOWED');
    const cancelled = await cancelRequest(h.deps, people.alice, deploy.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', outcomeReason: 'Cancelled by alice.' });
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('void');

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was cancelled.`,
    );
    expect((await refusal(cancelRequest(h.deps, people.alice, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was cancelled.`,
    );
  });

  it('Deploy now on a request that is not waiting for its requester says where it is', async () => {
    const { h, deploy, clock } = await awaitingProd();
    expect((await refusal(resumeRequest(h.deps, people.alice, deploy.id))).message).toBe(
      `Deploy ${deploy.id} is already waiting for an R5's approval.`,
    );
    await migrationLock(h, 'staging', clock.now());
    const { deploy: queued } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
    });
    expect(queued.state).toBe('queued');
    expect((await refusal(resumeRequest(h.deps, people.alice, queued.id))).message).toMatch(
      new RegExp(`^Deploy ${queued.id} is still waiting: .*database migration`),
    );
    await cancelRequest(h.deps, people.alice, queued.id);
    expect((await refusal(resumeRequest(h.deps, people.alice, queued.id))).message).toBe(
      `Deploy ${queued.id} was cancelled.`,
    );
  });

  it('a gate that closed since the request voids the approval at the click and says which gate', async () => {
    const { h, deploy, clock } = await awaitingProd();
    await migrationLock(h, 'prod', clock.now());

    const refused = await refusal(approveDeploy(h.deps, people.bob, deploy.id));

    expect(refused.code).toBe('LOCKED');
    expect(refused.message).toMatch(/^Not approved: /);
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('void');
    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({
      state: 'queued',
      waitingFor: { code: 'LOCKED' },
    });
  });
});
