import { expect, it } from 'vitest';
import type { Approval } from '../../src/domain/model.js';
import { alice, at, bob, forEachBackend, uid } from './backends.js';

const carol = { id: 'u-carol', name: 'Carol' };

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

  it('lists pending approvals by service and env alone when the filter object carries more', async () => {
    const approval = newApproval();
    await repos().approvals.create(approval);
    const target = { service: approval.service, env: 'prod', isProd: true, needsApproval: true };
    expect((await repos().approvals.pending(target)).map((a) => a.deployId)).toEqual([approval.deployId]);
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

  // N-of-M approvals and the checklist (§16).
  it('counts each approver once and never more votes than required, even when they click at once', async () => {
    const approval = await repos().approvals.create(newApproval({ required: 2 }));
    const sha = approval.sha;
    const clicks = await Promise.all([
      ...[1, 2, 3].map(() =>
        repos().approvals.addVote(approval.deployId, { by: bob, at: at(1) }, { sha, required: 2 }),
      ),
      ...[1, 2, 3].map(() =>
        repos().approvals.addVote(approval.deployId, { by: carol, at: at(2) }, { sha, required: 2 }),
      ),
      repos().approvals.addVote(approval.deployId, { by: alice, at: at(3) }, { sha, required: 2 }),
    ]);
    expect(clicks.filter(Boolean)).toHaveLength(2);
    const stored = await repos().approvals.get(approval.deployId);
    expect(stored?.voteCount).toBe(2);
    expect(new Set(stored?.votes?.map((v) => v.by.id)).size).toBe(2);
    expect(stored?.status).toBe('pending');
  });

  it('takes a vote only for a pending approval of the same SHA, and reads an old record as no votes', async () => {
    const old = await repos().approvals.create(newApproval());
    expect(
      await repos().approvals.addVote(
        old.deployId,
        { by: bob, at: at(1) },
        { sha: 'c'.repeat(40), required: 1 },
      ),
    ).toBeUndefined();
    const counted = await repos().approvals.addVote(
      old.deployId,
      { by: bob, at: at(1) },
      { sha: old.sha, required: 1 },
    );
    expect(counted).toMatchObject({ votes: [{ by: bob, at: at(1) }], voteCount: 1, status: 'pending' });
    const voided = await repos().approvals.create(newApproval({ required: 2 }));
    await repos().approvals.decide(voided.deployId, 'void', { at: at(2), voidReason: 'freeze started' });
    expect(
      await repos().approvals.addVote(
        voided.deployId,
        { by: bob, at: at(3) },
        { sha: voided.sha, required: 2 },
      ),
    ).toBeUndefined();
  });

  it('ticks a checklist item once, with who and when, and only while pending', async () => {
    const approval = await repos().approvals.create(
      newApproval({ checklist: [{ text: 'Migrations applied' }, { text: 'Feature flag off' }] }),
    );
    const ticks = await Promise.all(
      [1, 2].map(() => repos().approvals.tick(approval.deployId, 1, alice, at(4))),
    );
    expect(ticks.filter(Boolean)).toHaveLength(1);
    expect(await repos().approvals.tick(approval.deployId, 5, alice, at(4))).toBeUndefined();
    expect((await repos().approvals.get(approval.deployId))?.checklist).toEqual([
      { text: 'Migrations applied' },
      { text: 'Feature flag off', tickedBy: alice, tickedAt: at(4) },
    ]);
    await repos().approvals.decide(approval.deployId, 'rejected', { by: bob, at: at(5) });
    expect(await repos().approvals.tick(approval.deployId, 0, alice, at(6))).toBeUndefined();
  });

  it('reopens a closed approval afresh, never a pending one', async () => {
    const approval = await repos().approvals.create(newApproval({ required: 2 }));
    await repos().approvals.addVote(
      approval.deployId,
      { by: bob, at: at(1) },
      { sha: approval.sha, required: 2 },
    );
    expect(await repos().approvals.reopen({ ...approval, requestedAt: at(9) })).toBeUndefined();
    await repos().approvals.decide(approval.deployId, 'void', { at: at(2), voidReason: 'freeze started' });
    const fresh = { ...approval, requestedAt: at(10), expiresAt: at(70) };
    expect(await repos().approvals.reopen(fresh)).toEqual(fresh);
    expect(await repos().approvals.get(approval.deployId)).toEqual(fresh);
    expect(await repos().approvals.reopen(newApproval())).toBeUndefined();
  });
});
