import { expect, it } from 'vitest';
import type { DeployPatch, NewDeploy } from '../../src/app/ports/repositories.js';
import { alice, at, bob, forEachBackend, uid } from './backends.js';

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
    const approved = await repos().deploys.transition(
      deploy.id,
      ['awaiting_approval'],
      { state: 'approved', approvedBy: bob, decidedAt: at(1), runUrl: undefined } as unknown as DeployPatch,
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
      await repos().deploys.transition(deploy.id, ['awaiting_approval'], { state: 'rejected' }, at(2)),
    ).toBeUndefined();
    expect(
      await repos().deploys.transition(uid('missing'), ['awaiting_approval'], { state: 'approved' }, at(2)),
    ).toBeUndefined();
    expect((await repos().deploys.get(deploy.id))?.state).toBe('approved');
  });

  it('gives exactly one winner among 20 concurrent approvals', async () => {
    const deploy = await repos().deploys.create(newDeploy());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repos().deploys.transition(
          deploy.id,
          ['awaiting_approval'],
          { state: 'approved', outcomeReason: `r${i}` },
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
});
