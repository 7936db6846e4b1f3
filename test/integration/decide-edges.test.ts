import { afterEach, describe, expect, it } from 'vitest';
import { expireApproval } from '../../src/app/deploys/approval.js';
import {
  approveDeploy,
  cancelRequest,
  rejectDeploy,
  resumeRequest,
  supersedeDeploy,
} from '../../src/app/deploys/decide.js';
import { lockEnv, unlockEnv } from '../../src/app/locks.js';
import { sweepOutbox } from '../../src/app/pipeline/worker.js';
import { GitHubError } from '../../src/app/ports/github.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Approval, Deploy } from '../../src/domain/model.js';
import { people, refusal, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { harnessWithProd, runsTo } from '../helpers/prod-requests.js';
import { migrationLock, prodAwaitingApproval, requestStaging } from '../helpers/deploys.js';
import { beforeNextCall, replaceMethod } from '../helpers/interpose.js';

/** Approve, Reject and Cancel (§4.3, §16) on records left odd by time, older versions, or another click. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function prodRequest(
  prod: Record<string, unknown> = {},
  clock?: ManualClock,
): Promise<{ h: AppHarness; deploy: Deploy }> {
  h = await harnessWithProd(prod, clock);
  return { h, deploy: await prodAwaitingApproval(h) };
}

/** Puts a different pending approval record in place of the deploy's (closed first, then started afresh). */
async function replaceApproval(h: AppHarness, deployId: string, edit: (a: Approval) => Approval) {
  const approval = await h.deps.repos.approvals.get(deployId);
  if (!approval) throw new Error(`no approval for ${deployId}`);
  await h.deps.repos.approvals.decide(deployId, 'void', { at: new Date(), voidReason: 'test' });
  expect(await h.deps.repos.approvals.reopen(edit(approval))).toBeDefined();
}

describe('Approve on a request that no longer waits says what became of it', () => {
  it('expired', async () => {
    const clock = new ManualClock(new Date());
    const { h, deploy } = await prodRequest({}, clock);
    clock.advance(h.deps.config.approval.expiry + 1);
    await expireApproval(h.deps, deploy.id);

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `Deploy ${deploy.id} expired before anyone approved it.`,
    );
  });

  it('superseded', async () => {
    const { h, deploy } = await prodRequest();
    await supersedeDeploy(h.deps, deploy, 'a newer request');

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was superseded by a newer request.`,
    );
  });

  it('went out without an approval (staging): "already approved", naming no one', async () => {
    const { h } = await prodRequest();
    const [staging] = await h.deps.repos.deploys.history({ service: 'api', env: 'staging', limit: 1 });
    expect(staging).toMatchObject({ state: 'succeeded' });

    const refused = await refusal(approveDeploy(h.deps, people.bob, staging!.id));
    expect(refused).toMatchObject({
      code: 'ALREADY_DECIDED',
      message: `Deploy ${staging!.id} was already approved.`,
    });
  });
});

describe('approval records', () => {
  it('refuses a pending approval that was given for another commit, and dispatches nothing', async () => {
    const { h, deploy } = await prodRequest();
    await replaceApproval(h, deploy.id, (a) => ({ ...a, sha: 'f'.repeat(40) }));

    const refused = await refusal(approveDeploy(h.deps, people.bob, deploy.id));
    expect(refused).toMatchObject({
      code: 'ALREADY_DECIDED',
      message: 'This approval was for another commit.',
    });
    expect(runsTo(h, 'prod')).toBe(0);
  });

  it('a record from before N-of-M approvals (no count, no votes) is approved by one R5', async () => {
    const { h, deploy } = await prodRequest();
    await replaceApproval(h, deploy.id, ({ required: _r, voteCount: _c, votes: _v, ...older }) => older);

    const approved = await approveDeploy(h.deps, people.bob, deploy.id);
    expect(approved.kind).toBe('dispatched');
    expect(approved.deploy.approvedBy?.name).toBe('bob');
    expect(runsTo(h, 'prod')).toBe(1);
    expect(await h.deps.repos.approvals.get(deploy.id)).toMatchObject({ status: 'approved', voteCount: 1 });
  });

  it('names the first three unticked checklist items and says there are more', async () => {
    const checklist = ['Migrations applied', 'Flag ready', 'Support told', 'Runbook updated'];
    const { h, deploy } = await prodRequest({ checklist });

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      'Not yet: alice has 4 checklist items to tick on the card first ' +
        '(Migrations applied; Flag ready; Support told; …).',
    );
  });

  it('tells an R5 who approved a deploy needing three how many more R5s it needs', async () => {
    const { h, deploy } = await prodRequest({ approvals: 3 });
    expect(await approveDeploy(h.deps, people.bob, deploy.id)).toMatchObject({
      kind: 'approval-counted',
      approvals: 1,
      required: 3,
    });

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `You already approved ${deploy.id} (1/3); it needs 2 more R5s, not you again.`,
    );
    expect(runsTo(h, 'prod')).toBe(0);
  });
});

describe('two clicks at once', () => {
  it('two R5s approving at the same instant: one approves, the other is told by whom; one run', async () => {
    const { h, deploy } = await prodRequest();

    const clicks = await Promise.allSettled([
      approveDeploy(h.deps, people.bob, deploy.id),
      approveDeploy(h.deps, people.carol, deploy.id),
    ]);

    const won = clicks.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
    const lost = clicks.flatMap((c) => (c.status === 'rejected' ? [c.reason as Error] : []));
    expect(won).toHaveLength(1);
    expect(lost.map((e) => e.message)).toEqual([
      `Deploy ${deploy.id} was already approved by ${won[0]!.deploy.approvedBy?.name}.`,
    ]);
    expect(runsTo(h, 'prod')).toBe(1);
  });

  it('two R5s approving at once after a gate closed: both are told which gate; the request waits once', async () => {
    const { h, deploy } = await prodRequest();
    await migrationLock(h, 'prod');

    const clicks = await Promise.allSettled([
      approveDeploy(h.deps, people.bob, deploy.id),
      approveDeploy(h.deps, people.carol, deploy.id),
    ]);

    expect(clicks.map((c) => c.status === 'rejected' && (c.reason as { code: string }).code)).toEqual([
      'LOCKED',
      'LOCKED',
    ]);
    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({ state: 'queued' });
    const audit = await h.deps.repos.audit.find({ deployId: deploy.id, limit: 100 });
    expect(audit.filter((e) => e.reason === 'approval void: LOCKED')).toHaveLength(1);
    expect(runsTo(h, 'prod')).toBe(0);
  });

  it('the requester withdraws just after an R5 closed the approval: the approval wins, the run goes out', async () => {
    const { h, deploy } = await prodRequest();
    const withdrawals: unknown[] = [];
    // alice's click lands after bob's closed the approval and before bob's moved the deploy.
    replaceMethod(h.deps.repos.approvals, 'decide', (decide) => async (id, status, decision) => {
      const decided = await decide(id, status, decision);
      if (status === 'approved') withdrawals.push(await refusal(cancelRequest(h.deps, people.alice, id)));
      return decided;
    });

    expect((await approveDeploy(h.deps, people.bob, deploy.id)).kind).toBe('dispatched');
    expect(withdrawals).toMatchObject([
      { code: 'ALREADY_DECIDED', message: `Deploy ${deploy.id} was already approved by bob.` },
    ]);
    expect(runsTo(h, 'prod')).toBe(1);
  });

  it('a newer request supersedes the deploy as an R5 approves it: the approver hears so, nothing runs', async () => {
    const { h, deploy } = await prodRequest();
    replaceMethod(h.deps.repos.approvals, 'decide', (decide) => async (id, status, decision) => {
      const decided = await decide(id, status, decision);
      if (status === 'approved') await supersedeDeploy(h.deps, deploy, 'a newer request');
      return decided;
    });

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was superseded by a newer request.`,
    );
    expect(runsTo(h, 'prod')).toBe(0);
  });

  it('an R5 rejects as the requester withdraws: the rejecter hears it was cancelled, not that it waits', async () => {
    const { h, deploy } = await prodRequest();
    replaceMethod(h.deps.repos.approvals, 'decide', (decide) => async (id, status, decision) => {
      const decided = await decide(id, status, decision);
      if (status === 'rejected') await cancelRequest(h.deps, people.alice, id);
      return decided;
    });

    expect((await refusal(rejectDeploy(h.deps, people.carol, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was cancelled.`,
    );
    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({
      state: 'cancelled',
      outcomeReason: 'Cancelled by alice.',
    });
  });

  it('an R5 approves just before the requester withdraws: the withdrawal is refused and the run is followed', async () => {
    const { h, deploy } = await prodRequest();
    replaceMethod(h.deps.repos.approvals, 'decide', (decide) => async (id, status, decision) => {
      if (status === 'void') await approveDeploy(h.deps, people.bob, id);
      return decide(id, status, decision);
    });

    expect((await refusal(cancelRequest(h.deps, people.alice, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was already approved by bob.`,
    );
    // The run went out: the record must keep following it, not call it cancelled.
    expect(runsTo(h, 'prod')).toBe(1);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toMatch(/^(dispatched|running)$/);
  });
});

/** alice withdraws her request right after an R5's vote was counted, before that click moves the deploy. */
function withdrawWhileVoteIsCounted(h: AppHarness): void {
  replaceMethod(h.deps.repos.approvals, 'addVote', (addVote) => async (id, vote, guard) => {
    const counted = await addVote(id, vote, guard);
    await cancelRequest(h.deps, people.alice, id);
    return counted;
  });
}

describe('a click and another change of the request at once', () => {
  it('the requester withdraws as the last vote is counted: the R5 hears it was cancelled, nothing runs', async () => {
    const { h, deploy } = await prodRequest();
    withdrawWhileVoteIsCounted(h);

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was cancelled.`,
    );
    expect(runsTo(h, 'prod')).toBe(0);
  });

  it('the requester withdraws as the first of two votes is counted: the R5 is not told it counted', async () => {
    const { h, deploy } = await prodRequest({ approvals: 2 });
    withdrawWhileVoteIsCounted(h);

    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was cancelled.`,
    );
    const audit = await h.deps.repos.audit.find({ deployId: deploy.id, limit: 100 });
    expect(audit.map((e) => e.action)).not.toContain('deploy.approval.counted');
  });

  it('a newer request supersedes the request as its requester withdraws it: the requester hears so', async () => {
    const { h, deploy } = await prodRequest();
    replaceMethod(h.deps.repos.approvals, 'decide', (decide) => async (id, status, decision) => {
      if (decision.voidReason === 'cancelled') await supersedeDeploy(h.deps, deploy, 'a newer request');
      return decide(id, status, decision);
    });

    expect((await refusal(cancelRequest(h.deps, people.alice, deploy.id))).message).toBe(
      `Deploy ${deploy.id} was superseded by a newer request.`,
    );
    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({ state: 'superseded' });
  });
});

describe('a newer request and an approval at once', () => {
  it('a newer request read the request before an R5 approved it: the approval wins, the dispatch owed stays owed', async () => {
    const clock = new ManualClock(new Date());
    const { h, deploy } = await prodRequest({}, clock);
    const harness = h;
    // GitHub fails the first dispatch: the approved deploy waits for its dispatch to be retried.
    const restore = replaceMethod(
      h.deps.github,
      'dispatch',
      () => () => Promise.reject(new GitHubError('unavailable', 'GitHub is unavailable', 503)),
    );
    beforeNextCall(h.deps.repos.approvals, 'decide', () =>
      approveDeploy(harness.deps, people.bob, deploy.id),
    );

    await supersedeDeploy(h.deps, deploy, 'a newer request');

    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('approved');
    restore();
    clock.advance(3 * 60_000);
    await sweepOutbox(h.deps);
    expect(runsTo(h, 'prod')).toBe(1);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toMatch(/^(dispatched|running)$/);
  });
});

describe('a withdrawal and a Deploy now at once', () => {
  it('the requester withdraws a re-offered request as Deploy now sends it: the run is followed, not called cancelled', async () => {
    h = await startAppHarness();
    const harness = h;
    const stagingApi = { service: 'api', env: 'staging' };
    await lockEnv(h.deps, people.bob, { ...stagingApi, reason: 'hold' });
    const { deploy } = await requestStaging(h.deps);
    await unlockEnv(h.deps, people.bob, stagingApi);
    const offered = await h.deps.repos.deploys.get(deploy.id);
    expect(offered?.state).toBe('requested');
    // The Cancel click read the offered request; its Deploy now went through before the Cancel was written.
    beforeNextCall(h.deps.repos.deploys, 'apply', () => resumeRequest(harness.deps, people.alice, deploy.id));

    const refused = await refusal(cancelRequest(h.deps, people.alice, deploy.id));

    expect(refused.code).toBe('ALREADY_DECIDED');
    await h.deps.outbox.drain(deploy.id);
    expect(runsTo(h, 'staging')).toBe(1);
    const after = await h.deps.repos.deploys.get(deploy.id);
    expect(after?.state).toMatch(/^(approved|dispatched|running)$/);
    const audit = await h.deps.repos.audit.find({ deployId: deploy.id, limit: 100 });
    expect(audit.map((e) => e.action)).not.toContain('deploy.cancel');
  });
});

describe('who may reject', () => {
  it('refuses a reject from someone without R5 and leaves the request waiting', async () => {
    const { h, deploy } = await prodRequest();

    expect((await refusal(rejectDeploy(h.deps, people.dave, deploy.id))).code).toBe('NOT_ALLOWED');
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('pending');
    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({ state: 'awaiting_approval' });
  });
});
