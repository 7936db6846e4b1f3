import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import {
  acknowledgeEmergency,
  EMERGENCY_ACK_JOB,
  needsAcknowledgement,
  remindAcknowledgement,
  requestRollback,
  rollbackFromCard,
} from '../../src/app/rollback.js';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { people } from '../helpers/app-deps.js';
import {
  checkUntil,
  deployAndFinish,
  deployVerified,
  startVerifyHarness,
  trackUntilDone,
  type VerifyHarness,
} from './verification-helpers.js';

let h: VerifyHarness;
afterEach(async () => {
  await h.close();
});

const REPO = 'example-org/api';
const prodRuns = () =>
  h.github.runs(REPO).filter((r) => r.workflow === 'deploy.yml' && r.inputs.environment === 'prod');

/** staging and prod verified at the current head, then two new commits live (unverified) on both. */
async function goodThenNew(): Promise<{ good: string; fresh: string; titles: string[] }> {
  const good = h.github.history(REPO)[0]!;
  await deployVerified(h, 'staging', good);
  await deployVerified(h, 'prod', good);
  h.github.addCommit(REPO, 'feat: new checkout');
  const fresh = h.github.addCommit(REPO, 'fix: rounding');
  await deployVerified(h, 'staging', fresh);
  return { good, fresh, titles: ['feat: new checkout', 'fix: rounding'] };
}

describe('rollback (app layer)', () => {
  it('lets an R5 roll a faulty deploy back from its card: the previous verified SHA is dispatched, and its success unlocks the env', async () => {
    h = await startVerifyHarness();
    const good = await deployVerified(h, 'staging', h.github.history(REPO)[0]);
    h.github.addCommit(REPO, 'feat: risky');
    h.services.reportWrongVersion('api', 'staging', 'v1999.01.01');
    const bad = await deployAndFinish(h, 'staging');
    expect((await checkUntil(h, bad.id, () => false)).deploy.verification).toBe('faulty');

    await expect(rollbackFromCard(h.deps, people.dave, bad.id)).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    const { progress } = await rollbackFromCard(h.deps, people.bob, bad.id);
    expect(progress.kind).toBe('dispatched');
    const rollback = progress.deploy;
    expect(rollback).toMatchObject({
      kind: 'rollback',
      rollbackOf: bad.id,
      sha: good.sha,
      approvedBy: { name: 'bob' },
    });
    expect(rollback.commits?.map((c) => c.title)).toEqual(['feat: risky']);
    const last = h.github
      .runs(REPO)
      .filter((r) => r.workflow === 'deploy.yml')
      .at(-1);
    expect(last?.inputs).toMatchObject({ environment: 'staging', sha: good.sha, deploy_id: rollback.id });
    expect(last?.inputs.version).toMatch(/^v\d{4}\.\d{2}\.\d{2}$/);
    await expect(rollbackFromCard(h.deps, people.carol, bad.id)).rejects.toMatchObject({
      code: 'ALREADY_DECIDED',
    });

    expect((await trackUntilDone(h, rollback.id)).state).toBe('succeeded');
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'staging' })).toEqual([]);
    const actions = (await h.deps.repos.audit.find({ deployId: rollback.id, limit: 50 })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['rollback.requested', 'lock.released']));
  });

  it('/rollback lists the commits being reverted and waits for an R5 other than the requester', async () => {
    h = await startVerifyHarness();
    const { good, titles } = await goodThenNew();
    await deployAndFinish(h, 'prod');
    const { progress } = await requestRollback(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress.kind).toBe('awaiting_approval');
    const card = h.told.cards.filter((c) => c.deploy.id === progress.deploy.id && c.pinged).at(-1);
    expect(card?.deploy.commits?.map((c) => c.title)).toEqual(titles);
    expect(card?.deploy.gates?.every((g) => g.ok)).toBe(true);
    const embed = renderDeployCard(card!.deploy, { repo: REPO }).embeds?.[0];
    expect(embed?.title).toMatch(/Rollback/);
    expect(JSON.stringify(embed?.fields)).toContain('fix: rounding');

    await expect(approveDeploy(h.deps, people.alice, progress.deploy.id)).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    const before = prodRuns().length;
    expect((await approveDeploy(h.deps, people.bob, progress.deploy.id)).kind).toBe('dispatched');
    expect(prodRuns()).toHaveLength(before + 1);
    expect(prodRuns().at(-1)?.inputs.sha).toBe(good);
  });

  it('rolls back to a named version with `to`, and refuses one that never ran there', async () => {
    h = await startVerifyHarness();
    await goodThenNew();
    const prodGood = (await h.deps.repos.deploys.lastSucceeded('api', 'prod', { verifiedOnly: true }))!;
    await deployAndFinish(h, 'prod');
    await expect(
      requestRollback(h.deps, { actor: people.alice, service: 'api', env: 'prod', to: 'v1999.01.01' }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_REF' });
    const { deploy } = await requestRollback(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
      to: prodGood.version!,
    });
    expect(deploy.sha).toBe(prodGood.sha);
  });

  it('lets an R4 roll back at once in an emergency; an R5 other than the requester must acknowledge, re-pinged until then', async () => {
    h = await startVerifyHarness();
    const { good } = await goodThenNew();
    await deployAndFinish(h, 'prod');
    const before = prodRuns().length;
    const { progress } = await requestRollback(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
      emergency: true,
      reason: 'checkout down @everyone',
    });
    expect(progress.kind).toBe('dispatched');
    expect(prodRuns()).toHaveLength(before + 1);
    expect(prodRuns().at(-1)?.inputs.sha).toBe(good);
    const rollback = progress.deploy;
    expect(needsAcknowledgement(rollback)).toBe(true);
    const labels = renderDeployCard(rollback, { repo: REPO }).components?.flatMap((r) =>
      r.components.map((c) => ('label' in c ? c.label : '')),
    );
    expect(labels).toContain('Acknowledge');
    const audit = (await h.deps.repos.audit.find({ deployId: rollback.id, limit: 50 })).map((e) => e.action);
    expect(audit).toEqual(
      expect.arrayContaining(['incident.declared', 'deploy.autoApprove', 'deploy.dispatch']),
    );
    expect(h.jobs.scheduled.filter((j) => j.name === EMERGENCY_ACK_JOB).map((j) => j.data)).toEqual([
      { deployId: rollback.id, round: 1 },
    ]);

    expect(await remindAcknowledgement(h.deps, rollback.id, 1)).toBe(true);
    expect(h.acks).toEqual([rollback.id]);
    expect(h.jobs.scheduled.filter((j) => j.name === EMERGENCY_ACK_JOB)).toHaveLength(2);

    await expect(acknowledgeEmergency(h.deps, people.alice, rollback.id)).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    const acked = await acknowledgeEmergency(h.deps, people.bob, rollback.id);
    expect(acked.approvedBy?.name).toBe('bob');
    expect(needsAcknowledgement(acked)).toBe(false);
    expect(await remindAcknowledgement(h.deps, rollback.id, 2)).toBe(false);
    expect(h.acks).toHaveLength(1);
    await expect(acknowledgeEmergency(h.deps, people.carol, rollback.id)).rejects.toMatchObject({
      code: 'ALREADY_DECIDED',
    });
  });

  it('refuses a rollback to nothing, and a rollback by someone without a role', async () => {
    h = await startVerifyHarness();
    await expect(
      requestRollback(h.deps, { actor: people.alice, service: 'api', env: 'prod' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      requestRollback(h.deps, { actor: people.dave, service: 'api', env: 'prod', emergency: true }),
    ).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await deployAndFinish(h, 'staging');
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    expect(progress.kind).toBe('dispatched');
    await expect(
      requestRollback(h.deps, { actor: people.alice, service: 'api', env: 'staging' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rolls back to a short SHA that ran there; a prefix under 7 characters or a healthy card is refused', async () => {
    h = await startVerifyHarness();
    const { good } = await goodThenNew();
    const live = await deployAndFinish(h, 'prod');

    const { deploy } = await requestRollback(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
      to: good.slice(0, 7).toUpperCase(),
    });
    expect(deploy).toMatchObject({ kind: 'rollback', sha: good });
    await expect(
      requestRollback(h.deps, { actor: people.alice, service: 'api', env: 'prod', to: good.slice(0, 6) }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_REF' });
    // The card's Rollback is for a failed or faulty deploy only; Acknowledge for an emergency only.
    await expect(rollbackFromCard(h.deps, people.bob, live.id)).rejects.toMatchObject({
      code: 'ALREADY_DECIDED',
    });
    await expect(acknowledgeEmergency(h.deps, people.bob, deploy.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('keeps re-scheduling the acknowledgement during maintenance without pinging anyone', async () => {
    h = await startVerifyHarness();
    await goodThenNew();
    await deployAndFinish(h, 'prod');
    const { deploy } = await requestRollback(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'prod',
      emergency: true,
    });
    await h.deps.repos.settings.set(
      'maintenance',
      { on: true, reason: 'provider incident', by: { id: people.bob.id, name: 'bob' } },
      new Date(),
    );

    expect(await remindAcknowledgement(h.deps, deploy.id, 1)).toBe(true);

    expect(h.acks).toEqual([]);
    expect(h.jobs.scheduled.filter((j) => j.name === EMERGENCY_ACK_JOB).map((j) => j.data)).toContainEqual({
      deployId: deploy.id,
      round: 2,
    });
    expect(await remindAcknowledgement(h.deps, 'D-nobody', 1)).toBe(false);
  });
});
