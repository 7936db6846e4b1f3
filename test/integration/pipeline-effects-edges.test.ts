import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { performEffect } from '../../src/app/pipeline/effects.js';
import { APPROVAL_JOBS } from '../../src/app/job-names.js';
import type { Deploy, EffectSpec } from '../../src/domain/model.js';
import { people, type AppHarness } from '../helpers/app-deps.js';
import { seedDeploy } from '../helpers/deploy-records.js';
import { harnessWithProd } from '../helpers/prod-requests.js';
import { prodAwaitingApproval } from '../helpers/deploys.js';
import { replaceMethod } from '../helpers/interpose.js';

/**
 * Effects worked again after a crash or a retry (§4, the outbox): each checks before it does, and does
 * only what is still owed. Worked here one at a time, as the outbox worker hands them over.
 */
let h: AppHarness;
beforeEach(async () => {
  h = await harnessWithProd();
});
afterEach(async () => {
  await h.close();
});

/** Works `spec` for `deploy` as the worker does; `inDoubt` as for an effect tried before. */
function work(deploy: Deploy, spec: EffectSpec, inDoubt = true): Promise<'done' | 'wait'> {
  return performEffect(h.deps, {
    key: `${spec.kind}:1`,
    deploy,
    inDoubt,
    effect: { spec, seq: deploy.rev, status: 'pending', attempts: inDoubt ? 1 : 0, notBefore: new Date() },
  });
}

describe('the card, worked again after a crash', () => {
  it('adopts the card posted just before the crash: edited, not posted again, and no second ping', async () => {
    const deploy = await seedDeploy(h, { id: 'DCARD0001', env: 'prod', state: 'awaiting_approval' });
    replaceMethod(
      h.deps.notifier,
      'findPosted',
      () => () => Promise.resolve({ channelId: 'ops', messageId: 'm-posted-before' }),
    );

    expect(await work(deploy, { kind: 'card', ping: true })).toBe('done');

    expect(h.told.cards).toMatchObject([{ deploy: { messageId: 'm-posted-before' }, pinged: false }]);
    expect((await h.deps.repos.deploys.get(deploy.id))?.messageId).toBe('m-posted-before');
  });

  it('posts it (with the ping) when no card of it is found, and records where it went', async () => {
    const deploy = await seedDeploy(h, { id: 'DCARD0002', env: 'prod', state: 'awaiting_approval' });

    expect(await work(deploy, { kind: 'card', ping: true })).toBe('done');

    expect(h.told.cards).toMatchObject([{ pinged: true }]);
    expect((await h.deps.repos.deploys.get(deploy.id))?.messageId).toBe(`m-${deploy.id}`);
  });
});

describe('releasing the faulty lock', () => {
  const faulty = (createdAt: Date) => ({
    service: 'api',
    env: 'prod',
    kind: 'faulty' as const,
    reason: 'verification failed',
    createdBy: { id: people.bob.id, name: 'bob' },
    createdAt,
  });

  async function unlockReasons(deployId: string): Promise<(string | undefined)[]> {
    await h.deps.outbox.drain(deployId);
    const audit = await h.deps.repos.audit.find({ deployId, limit: 100 });
    return audit.filter((e) => e.action === 'lock.released').map((e) => e.reason);
  }

  it('a verified deploy ends it, saying which version was verified', async () => {
    await h.deps.repos.locks.acquire(faulty(new Date()));
    const fixed = await seedDeploy(h, {
      id: 'DFIXD0001',
      env: 'prod',
      state: 'succeeded',
      version: '2026.11.2',
      verification: 'verified',
    });

    await work(fixed, { kind: 'releaseLock' }, false);

    expect(await h.deps.repos.locks.list({ service: 'api', env: 'prod' })).toEqual([]);
    expect(await unlockReasons(fixed.id)).toEqual(['2026.11.2 was verified']);
  });

  it('a verified deploy with no version recorded is named by its id', async () => {
    await h.deps.repos.locks.acquire(faulty(new Date()));
    const fixed = await seedDeploy(h, {
      id: 'DFIXD0002',
      env: 'prod',
      state: 'succeeded',
      verification: 'verified',
    });

    await work(fixed, { kind: 'releaseLock' }, false);

    expect(await unlockReasons(fixed.id)).toEqual([`${fixed.id} was verified`]);
  });

  it('a retried release after the lock went is a no-op: nothing is said twice', async () => {
    const fixed = await seedDeploy(h, {
      id: 'DFIXD0003',
      env: 'prod',
      state: 'succeeded',
      verification: 'verified',
    });

    await work(fixed, { kind: 'releaseLock' });

    expect(await unlockReasons(fixed.id)).toEqual([]);
  });
});

describe('approval timers', () => {
  it('are not armed for an approval decided before the effect ran', async () => {
    const deploy = await prodAwaitingApproval(h);
    await h.deps.repos.approvals.decide(deploy.id, 'rejected', { by: people.bob, at: new Date() });
    const before = h.jobs.scheduled.length;

    expect(await work(deploy, { kind: 'approvalTimers' })).toBe('done');

    expect(h.jobs.scheduled.slice(before).filter((j) => j.data.deployId === deploy.id)).toEqual([]);
  });

  it('are armed (reminder and expiry) for one still pending, at the times on the approval', async () => {
    const deploy = await prodAwaitingApproval(h);
    const approval = await h.deps.repos.approvals.get(deploy.id);
    const before = h.jobs.scheduled.length;

    await work(deploy, { kind: 'approvalTimers' });

    expect(h.jobs.scheduled.slice(before)).toEqual([
      expect.objectContaining({ name: APPROVAL_JOBS.remind, at: approval?.repingAt }),
      expect.objectContaining({ name: APPROVAL_JOBS.expire, at: approval?.expiresAt }),
    ]);
  });
});
