import { expect, it } from 'vitest';
import type { DeployGuard } from '../../src/domain/deploy-effects.js';
import type { DeployState, EffectRecord } from '../../src/domain/model.js';
import type { DeployChange, DeployPatch, NewDeploy, OutboxHolder } from '../../src/app/ports/repositories.js';
import { alice, at, bob, forEachBackend, uid } from './backends.js';

const change = (
  states: DeployState[],
  rev: number,
  patch: DeployPatch,
  effects: Record<string, EffectRecord> = {},
  guard: DeployGuard = {},
): DeployChange => ({ guard: { states, ...guard }, rev, patch, effects });

const effect = (seq: number, kind: 'card' | 'marker' = 'marker'): EffectRecord => ({
  spec: { kind },
  seq,
  status: 'pending',
  attempts: 0,
  notBefore: at(0),
});
const holderA: OutboxHolder = { instance: 'a', boot: 'a1' };
const holderB: OutboxHolder = { instance: 'b', boot: 'b1' };

const newDeploy = (over: Partial<NewDeploy> = {}): NewDeploy => ({
  id: uid('D'),
  kind: 'deploy',
  service: uid('svc'),
  env: 'prod',
  ref: 'main',
  sha: 'a'.repeat(40),
  state: 'awaiting_approval',
  reason: 'ship it',
  requestedBy: alice,
  createdAt: at(0),
  ...over,
});

forEachBackend('DeployRepository', (repos) => {
  it('creates and reads back a deploy with its dates, rev 1 and updatedAt = createdAt', async () => {
    const deploy = newDeploy({ runUrl: undefined } as unknown as Partial<NewDeploy>);
    const created = await repos().deploys.create(deploy);
    const read = await repos().deploys.get(deploy.id);
    const { runUrl: _runUrl, ...expected } = deploy as NewDeploy & { runUrl?: string };
    expect(read).toEqual({ ...expected, updatedAt: at(0), rev: 1 });
    expect(read?.createdAt).toBeInstanceOf(Date);
    expect(created).toEqual(read);
    expect(read).not.toHaveProperty('runUrl');
    expect(await repos().deploys.get(uid('missing'))).toBeUndefined();
  });

  it('transitions only from the allowed states, bumping rev and updatedAt', async () => {
    const deploy = await repos().deploys.create(newDeploy());
    const approved = await repos().deploys.apply(
      deploy.id,
      change(['awaiting_approval'], 1, {
        state: 'approved',
        approvedBy: bob,
        decidedAt: at(1),
        runUrl: undefined,
      } as unknown as DeployPatch),
      at(1),
    );
    expect(approved).toMatchObject({
      state: 'approved',
      approvedBy: bob,
      decidedAt: at(1),
      updatedAt: at(1),
      rev: 2,
    });
    expect(approved).not.toHaveProperty('runUrl');
    expect(
      await repos().deploys.apply(deploy.id, change(['awaiting_approval'], 2, { state: 'rejected' }), at(2)),
    ).toBeUndefined();
    expect(
      await repos().deploys.apply(
        uid('missing'),
        change(['awaiting_approval'], 1, { state: 'approved' }),
        at(2),
      ),
    ).toBeUndefined();
    expect((await repos().deploys.get(deploy.id))?.state).toBe('approved');
  });

  it('gives exactly one winner among 20 concurrent approvals', async () => {
    const deploy = await repos().deploys.create(newDeploy());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repos().deploys.apply(
          deploy.id,
          change(['awaiting_approval'], 1, { state: 'approved', outcomeReason: `r${i}` }),
          at(1),
        ),
      ),
    );
    const winners = results.filter((r) => r !== undefined);
    expect(winners).toHaveLength(1);
    expect(await repos().deploys.get(deploy.id)).toMatchObject({
      state: 'approved',
      rev: 2,
      outcomeReason: winners[0]!.outcomeReason,
    });
  });

  it('updates whatever the state, and not a missing deploy', async () => {
    const deploy = await repos().deploys.create(newDeploy({ state: 'succeeded' }));
    expect(
      await repos().deploys.update(deploy.id, { messageId: 'm1', verification: 'verified' }, at(3)),
    ).toMatchObject({
      state: 'succeeded',
      messageId: 'm1',
      verification: 'verified',
      rev: 2,
    });
    expect(await repos().deploys.update(uid('missing'), { messageId: 'm' }, at(3))).toBeUndefined();
  });

  it('finds by states, newest first, filtered by service and env; finds by run id', async () => {
    const service = uid('svc');
    const a = await repos().deploys.create(
      newDeploy({ service, state: 'running', createdAt: at(1), runId: 4242 }),
    );
    const b = await repos().deploys.create(newDeploy({ service, state: 'queued', createdAt: at(2) }));
    await repos().deploys.create(newDeploy({ service, state: 'failed', createdAt: at(3) }));
    await repos().deploys.create(newDeploy({ service, env: 'staging', state: 'running', createdAt: at(4) }));
    const found = await repos().deploys.findByStates(['running', 'queued'], { service, env: 'prod' });
    expect(found.map((d) => d.id)).toEqual([b.id, a.id]);
    expect(await repos().deploys.findByStates(['running'], { service })).toHaveLength(2);
    expect((await repos().deploys.findByRunId(4242))?.id).toBe(a.id);
    expect(await repos().deploys.findByRunId(999_999)).toBeUndefined();
  });

  it('filters by service and env alone when the filter object carries more (a whole target, say)', async () => {
    const service = uid('svc');
    const queued = await repos().deploys.create(newDeploy({ service, state: 'queued', createdAt: at(1) }));
    // What the app passes around as a target: service and env, and what it knows of them.
    const target = {
      service,
      env: 'prod',
      isProd: true,
      needsApproval: true,
      serviceConfig: { repo: 'o/r' },
    };

    expect((await repos().deploys.findByStates(['queued'], target)).map((d) => d.id)).toEqual([queued.id]);
    expect((await repos().deploys.history({ ...target, limit: 5 })).map((d) => d.id)).toEqual([queued.id]);
  });

  it('lists history newest first with a limit, and finds the last succeeded deploy', async () => {
    const service = uid('svc');
    const sha = (c: string) => c.repeat(40);
    const d1 = await repos().deploys.create(
      newDeploy({ service, state: 'succeeded', sha: sha('1'), createdAt: at(1), verification: 'verified' }),
    );
    const d2 = await repos().deploys.create(
      newDeploy({ service, state: 'succeeded', sha: sha('2'), createdAt: at(2) }),
    );
    const d3 = await repos().deploys.create(
      newDeploy({ service, state: 'failed', sha: sha('3'), createdAt: at(3) }),
    );
    await repos().deploys.create(
      newDeploy({ service, env: 'staging', state: 'succeeded', sha: sha('4'), createdAt: at(4) }),
    );
    expect((await repos().deploys.history({ service, env: 'prod', limit: 10 })).map((d) => d.id)).toEqual([
      d3.id,
      d2.id,
      d1.id,
    ]);
    expect((await repos().deploys.history({ service, limit: 2 })).map((d) => d.env)).toEqual([
      'staging',
      'prod',
    ]);
    const last = repos().deploys.lastSucceeded.bind(repos().deploys);
    expect((await last(service, 'prod'))?.id).toBe(d2.id);
    expect((await last(service, 'prod', { sha: sha('1') }))?.id).toBe(d1.id);
    expect((await last(service, 'prod', { verifiedOnly: true }))?.id).toBe(d1.id);
    expect((await last(service, 'prod', { before: at(2) }))?.id).toBe(d1.id);
    expect(await last(service, 'prod', { before: at(1) })).toBeUndefined();
    expect(await last(service, 'prod', { sha: sha('3') })).toBeUndefined();
  });

  it('applies a change only at the revision it was read at, and only when the guard holds', async () => {
    const deploy = await repos().deploys.create(newDeploy({ state: 'succeeded' }));
    expect(
      await repos().deploys.apply(deploy.id, change(['succeeded'], 7, { outcomeReason: 'stale' }), at(1)),
    ).toBeUndefined();
    const verifying = await repos().deploys.apply(
      deploy.id,
      change(['succeeded'], 1, { verification: 'pending' }, {}, { verification: ['none'] }),
      at(1),
    );
    expect(verifying).toMatchObject({ verification: 'pending', rev: 2 });
    // Verification already started: the same guard no longer holds.
    expect(
      await repos().deploys.apply(
        deploy.id,
        change(['succeeded'], 2, { verification: 'pending' }, {}, { verification: ['none'] }),
        at(2),
      ),
    ).toBeUndefined();
    const acknowledged = await repos().deploys.apply(
      deploy.id,
      change(['succeeded'], 2, { approvedBy: bob }, {}, { absent: ['approvedBy'] }),
      at(2),
    );
    expect(acknowledged?.approvedBy).toEqual(bob);
    expect(
      await repos().deploys.apply(
        deploy.id,
        change(['succeeded'], 3, { approvedBy: alice }, {}, { absent: ['approvedBy'] }),
        at(3),
      ),
    ).toBeUndefined();
    const flagged = await repos().deploys.apply(
      deploy.id,
      change(['succeeded'], 3, { stuck: true }, {}, { flags: { stuck: false } }),
      at(3),
    );
    expect(flagged?.stuck).toBe(true);
    expect(
      await repos().deploys.apply(
        deploy.id,
        change(['succeeded'], 4, { stuck: true }, {}, { flags: { stuck: false } }),
        at(4),
      ),
    ).toBeUndefined();
  });

  it('writes the owed effects with the change and lists the deploy until the outbox is released empty', async () => {
    const deploy = await repos().deploys.create(newDeploy());
    const moved = await repos().deploys.apply(
      deploy.id,
      change(
        ['awaiting_approval'],
        1,
        { state: 'approved' },
        { card: effect(2, 'card'), marker_2: effect(2) },
      ),
      at(1),
    );
    expect(moved).toMatchObject({ state: 'approved', outbox: true });
    expect(moved?.effects?.marker_2).toEqual(effect(2));
    expect((await repos().deploys.withPendingEffects(500)).map((d) => d.id)).toContain(deploy.id);

    const claimed = await repos().deploys.claimOutbox(deploy.id, holderA, at(10), at(1));
    expect(claimed?.tookOver).toBe(false);
    expect(await repos().deploys.claimOutbox(deploy.id, holderB, at(10), at(2))).toBeUndefined();
    // Only the holder settles, and `done` only for the seq it worked on.
    expect(
      await repos().deploys.settleEffect(deploy.id, 'marker_2', holderB, { status: 'done', seq: 2 }, at(2)),
    ).toBeUndefined();
    expect(
      await repos().deploys.settleEffect(deploy.id, 'card', holderA, { status: 'done', seq: 1 }, at(2)),
    ).toBeUndefined();
    const done = await repos().deploys.settleEffect(
      deploy.id,
      'marker_2',
      holderA,
      { status: 'done', seq: 2 },
      at(2),
    );
    expect(done?.effects?.marker_2).toMatchObject({ status: 'done', doneAt: at(2) });
    const retried = await repos().deploys.settleEffect(
      deploy.id,
      'card',
      holderA,
      { status: 'retry', attempts: 1, notBefore: at(5), error: '429' },
      at(2),
    );
    expect(retried?.effects?.card).toMatchObject({
      status: 'pending',
      attempts: 1,
      notBefore: at(5),
      lastError: '429',
    });
    // Released at a revision that moved on (someone changed it): refused, look again.
    expect(await repos().deploys.releaseOutbox(deploy.id, holderA, 1, true)).toBe(false);
    expect(await repos().deploys.releaseOutbox(deploy.id, holderA, 2, true)).toBe(true);
    expect((await repos().deploys.get(deploy.id))?.outboxClaim).toBeUndefined();
    const again = await repos().deploys.claimOutbox(deploy.id, holderB, at(10), at(3));
    expect(again?.tookOver).toBe(false);
    await repos().deploys.settleEffect(deploy.id, 'card', holderB, { status: 'done', seq: 2 }, at(3));
    expect(await repos().deploys.releaseOutbox(deploy.id, holderB, 2, false)).toBe(true);
    expect((await repos().deploys.withPendingEffects(500)).map((d) => d.id)).not.toContain(deploy.id);
  });

  it('takes over a claim that lapsed, or one left by a dead process of the same instance', async () => {
    const deploy = await repos().deploys.create(newDeploy());
    expect((await repos().deploys.claimOutbox(deploy.id, holderA, at(5), at(1)))?.tookOver).toBe(false);
    expect(await repos().deploys.renewOutbox(deploy.id, holderA, at(8))).toBe(true);
    expect(await repos().deploys.renewOutbox(deploy.id, holderB, at(8))).toBe(false);
    expect(await repos().deploys.claimOutbox(deploy.id, holderB, at(20), at(7))).toBeUndefined();
    expect((await repos().deploys.claimOutbox(deploy.id, holderB, at(20), at(9)))?.tookOver).toBe(true);
    // The same instance restarted (another boot): the old process is dead, its claim is taken at once.
    const restarted = { instance: 'b', boot: 'b2' };
    const taken = await repos().deploys.claimOutbox(deploy.id, restarted, at(30), at(10));
    expect(taken).toMatchObject({ tookOver: true, deploy: { outboxClaim: { boot: 'b2' } } });
  });
});
