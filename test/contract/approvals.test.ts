import { expect, it } from 'vitest';
import type { Approval } from '../../src/domain/model.js';
import { alice, at, bob, forEachBackend, uid } from './backends.js';

const newApproval = (over: Partial<Approval> = {}): Approval => ({
  deployId: uid('D'),
  service: uid('svc'),
  env: 'prod',
  sha: 'b'.repeat(40),
  status: 'pending',
  requestedBy: alice,
  requestedAt: at(0),
  expiresAt: at(60),
  repingAt: at(30),
  repinged: false,
  ...over,
});

forEachBackend('ApprovalRepository', (repos) => {
  it('creates and reads back an approval with its dates', async () => {
    const approval = newApproval();
    expect(await repos().approvals.create(approval)).toEqual(approval);
    expect(await repos().approvals.get(approval.deployId)).toEqual(approval);
    expect(await repos().approvals.get(uid('missing'))).toBeUndefined();
  });

  it('decides once: the second decision gets undefined', async () => {
    const approval = await repos().approvals.create(newApproval());
    const first = await repos().approvals.decide(approval.deployId, 'approved', { by: bob, at: at(5) });
    expect(first).toEqual({ ...approval, status: 'approved', decidedBy: bob, decidedAt: at(5) });
    expect(
      await repos().approvals.decide(approval.deployId, 'rejected', { by: alice, at: at(6) }),
    ).toBeUndefined();
    expect((await repos().approvals.get(approval.deployId))?.status).toBe('approved');
  });

  it('records a void reason, and has one winner among concurrent decisions', async () => {
    const voided = await repos().approvals.create(newApproval());
    expect(
      await repos().approvals.decide(voided.deployId, 'void', { at: at(1), voidReason: 'freeze started' }),
    ).toMatchObject({
      status: 'void',
      voidReason: 'freeze started',
    });
    const raced = await repos().approvals.create(newApproval());
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        repos().approvals.decide(raced.deployId, 'approved', { by: bob, at: at(2) }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('marks the re-ping once, and never for a decided approval', async () => {
    const approval = await repos().approvals.create(newApproval());
    const flips = await Promise.all([1, 2, 3].map(() => repos().approvals.markRepinged(approval.deployId)));
    expect(flips.filter(Boolean)).toHaveLength(1);
    expect(await repos().approvals.markRepinged(approval.deployId)).toBe(false);
    expect((await repos().approvals.get(approval.deployId))?.repinged).toBe(true);
    const decided = await repos().approvals.create(newApproval());
    await repos().approvals.decide(decided.deployId, 'expired', { at: at(60) });
    expect(await repos().approvals.markRepinged(decided.deployId)).toBe(false);
  });

  it('lists pending approvals oldest first, filtered by service and env', async () => {
    const service = uid('svc');
    const late = await repos().approvals.create(newApproval({ service, requestedAt: at(2) }));
    const early = await repos().approvals.create(newApproval({ service, requestedAt: at(1) }));
    const done = await repos().approvals.create(newApproval({ service }));
    await repos().approvals.create(newApproval({ service, env: 'staging' }));
    await repos().approvals.decide(done.deployId, 'rejected', { by: bob, at: at(3) });
    const pending = await repos().approvals.pending({ service, env: 'prod' });
    expect(pending.map((a) => a.deployId)).toEqual([early.deployId, late.deployId]);
    expect(await repos().approvals.pending({ service })).toHaveLength(3);
  });
});
