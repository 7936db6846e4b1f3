import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { expireApproval, remindApprovers } from '../../src/app/deploys/approval.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { prodAwaitingApproval } from '../helpers/deploys.js';

/** The approval's two timers (§4.2): the half-time reminder and the expiry, as their jobs call them. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function awaitingProd(): Promise<{ h: AppHarness; clock: ManualClock; deploy: Deploy }> {
  const clock = new ManualClock(new Date());
  h = await startAppHarness({ clock });
  const deploy = await prodAwaitingApproval(h);
  return { h, clock, deploy };
}

describe('approval reminder', () => {
  it('pings the approvers once while the approval is pending, and not again', async () => {
    const { h, deploy } = await awaitingProd();

    await remindApprovers(h.deps, deploy.id);
    await remindApprovers(h.deps, deploy.id);

    expect(h.told.reminders).toEqual([deploy.id]);
    expect((await h.deps.repos.approvals.get(deploy.id))?.repinged).toBe(true);
  });

  it('says nothing once the deploy was approved, or for a deploy nobody knows', async () => {
    const { h, deploy } = await awaitingProd();
    await approveDeploy(h.deps, people.bob, deploy.id);

    await remindApprovers(h.deps, deploy.id);
    await remindApprovers(h.deps, 'D-unknown');

    expect(h.told.reminders).toEqual([]);
  });
});

describe('approval expiry', () => {
  it('does nothing before the expiry time (another instance’s clock may run ahead)', async () => {
    const { h, deploy } = await awaitingProd();

    await expireApproval(h.deps, deploy.id);

    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('awaiting_approval');
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('pending');
  });

  it('expires the deploy once at its time: card updated and the expiry audited', async () => {
    const { h, clock, deploy } = await awaitingProd();
    clock.set(new Date(clock.now().getTime() + h.deps.config.approval.expiry + 1));

    await Promise.all([expireApproval(h.deps, deploy.id), expireApproval(h.deps, deploy.id)]);

    const after = await h.deps.repos.deploys.get(deploy.id);
    expect(after).toMatchObject({
      state: 'expired',
      outcomeReason: expect.stringMatching(/before it expired/),
    });
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('expired');
    expect(h.told.cards.at(-1)?.deploy.state).toBe('expired');
    const expiries = (await h.deps.repos.audit.find({ limit: 50 })).filter(
      (a) => a.action === 'deploy.expire' && a.deployId === deploy.id,
    );
    expect(expiries).toHaveLength(1);
    expect(expiries[0]?.reason).toBe('approval expired');
  });

  it('leaves a decided approval alone, and ignores a deploy nobody knows', async () => {
    const { h, clock, deploy } = await awaitingProd();
    await approveDeploy(h.deps, people.bob, deploy.id);
    clock.set(new Date(clock.now().getTime() + h.deps.config.approval.expiry + 1));

    await expireApproval(h.deps, deploy.id);
    await expireApproval(h.deps, 'D-unknown');

    expect((await h.deps.repos.deploys.get(deploy.id))?.state).not.toBe('expired');
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('approved');
  });
});
