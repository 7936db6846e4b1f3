import { afterEach, describe, expect, it } from 'vitest';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { renderFreezeList } from '../../src/adapters/discord/render/freeze.js';
import { renderProgress } from '../../src/adapters/discord/render/progress.js';
import type { OpsAnnouncement } from '../../src/app/ports/announcements.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import {
  announceTransition,
  FREEZE_JOBS,
  planAnnouncements,
  type AnnounceData,
} from '../../src/app/freeze-announcements.js';
import { checkOverride, overrideFreeze } from '../../src/app/freeze-override.js';
import { liftFreeze, startFreeze, upcomingFreezes } from '../../src/app/freezes.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import {
  people,
  startAppHarness,
  testConfig,
  type AppHarness,
  refusal,
  trackUntilDone,
} from '../helpers/app-deps.js';

// The example configuration's "Elite Wars": Saturdays 19:00 Europe/London for 3 h, 2 h buffer. On Saturday
// 7 March 2026 London is on GMT, so the buffer is 17:00–19:00 UTC and the freeze 19:00–22:00 UTC.
const BEFORE = '2026-03-07T16:30:00Z';
const IN_BUFFER = '2026-03-07T17:30:00Z';
const ELITE_WARS_START = '2026-03-07T19:00:00.000Z';

let h: AppHarness;
let deps: AppDeps;
let clock: ManualClock;
let announced: OpsAnnouncement[];

async function setUp(at: string): Promise<void> {
  clock = new ManualClock(at);
  h = await startAppHarness({ clock, config: testConfig() }); // with the example's recurring windows
  announced = h.told.announcements;
  deps = h.deps;
}
afterEach(async () => {
  await h.close();
});

async function greenStaging(): Promise<Deploy> {
  const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' });
  expect(progress.kind).toBe('dispatched');
  const done = await trackUntilDone(deps, progress.deploy.id);
  // Verified, as an R4 would confirm it (post-deploy verification has tests of its own).
  return (await deps.repos.deploys.update(done.id, { verification: 'verified' }, clock.now())) ?? done;
}

const prodRuns = () =>
  h.github
    .runs('example-org/api')
    .filter((r) => r.inputs.environment === 'prod' && r.workflow === 'deploy.yml');

function plannedAnnouncement(kind: AnnounceData['kind']): AnnounceData {
  const job = h.jobs.scheduled.find(
    (j) => j.name === FREEZE_JOBS.announce && j.uniqueKey === `Elite Wars|${kind}|${ELITE_WARS_START}`,
  );
  if (!job) throw new Error(`no ${kind} announcement planned`);
  return job.data as unknown as AnnounceData;
}

describe('recurring freeze windows', () => {
  it('queues a prod deploy in the buffer with FROZEN naming the window and its end; staging stays open', async () => {
    await setUp(IN_BUFFER);
    const staging = await greenStaging();
    expect(staging.state).toBe('succeeded');

    const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress).toMatchObject({ kind: 'queued', code: 'FROZEN' });
    const answer = renderProgress(progress).content ?? '';
    expect(answer).toContain('FROZEN');
    expect(answer).toContain('Elite Wars');
    expect(answer).toContain('Sat 7 Mar 22:00 Europe/London');
    expect(prodRuns()).toHaveLength(0);

    // The queued card offers the emergency override.
    const card = renderDeployCard(progress.deploy, { repo: 'example-org/api' });
    const labels = (card.components ?? []).flatMap((row) =>
      row.components.map((c) => ('label' in c ? c.label : '')),
    );
    expect(labels).toEqual(['Cancel request', 'Override freeze']);
  });

  it('plans each transition once (stable keys), voids pending approvals at buffer start and offers the queue at the end', async () => {
    await setUp(BEFORE);
    await greenStaging();
    const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress.kind).toBe('awaiting_approval');

    expect(await planAnnouncements(deps)).toBeGreaterThanOrEqual(3);
    const bufferStart = plannedAnnouncement('buffer-start');
    const planned = h.jobs.scheduled.find((j) => j.uniqueKey === bufferStart.key);
    expect(planned?.at?.toISOString()).toBe('2026-03-07T17:00:00.000Z');
    expect(plannedAnnouncement('end')).toMatchObject({ endsAt: '2026-03-07T22:00:00.000Z' });

    clock.set('2026-03-07T17:00:00Z');
    expect(await announceTransition(deps, bufferStart)).toBe('posted');
    expect(await announceTransition(deps, bufferStart)).toBe('skipped'); // a second run has the effect of once
    expect(announced.filter((a) => a.kind === 'freeze-transition')).toHaveLength(1);
    expect(announced[0]).toMatchObject({ transition: 'buffer-start', name: 'Elite Wars', voided: 1 });

    const voided = await deps.repos.deploys.get(progress.deploy.id);
    expect(voided?.state).toBe('queued');
    expect(voided?.waitingFor).toMatchObject({
      code: 'FROZEN',
      reason: expect.stringMatching(/^Elite Wars freeze until Sat 7 Mar 22:00/),
    });
    expect((await deps.repos.approvals.get(progress.deploy.id))?.status).toBe('void');
    expect(h.told.requesters.at(-1)?.text).toMatch(/approval .* is void: Elite Wars/);
    expect((await refusal(approveDeploy(deps, people.bob, progress.deploy.id))).code).toBe('ALREADY_DECIDED');

    // Announced transitions are not planned again.
    const before = h.jobs.scheduled.length;
    await planAnnouncements(deps);
    expect(h.jobs.scheduled.slice(before).map((j) => j.uniqueKey)).not.toContain(bufferStart.key);

    clock.set('2026-03-07T22:00:00Z');
    expect(await announceTransition(deps, plannedAnnouncement('end'))).toBe('posted');
    expect(announced.at(-1)).toMatchObject({ transition: 'end', offered: 1 });
    expect((await deps.repos.deploys.get(progress.deploy.id))?.state).toBe('requested');
    expect(h.told.requesters.at(-1)).toMatchObject({ deployId: progress.deploy.id, offer: 'deploy-now' });
  });
});

describe('one-off freezes: /freeze start, list, lift', () => {
  it('lets an R5 freeze prod now, lists it with the windows, refuses R4, and lifts it', async () => {
    await setUp('2026-03-04T09:00:00Z'); // a Wednesday morning: no window in force
    await greenStaging();
    expect(
      (await refusal(startFreeze(deps, people.alice, { durationMs: 3_600_000, reason: 'db move' }))).code,
    ).toBe('NOT_ALLOWED');
    expect(
      (await refusal(startFreeze(deps, people.bob, { durationMs: 1_000, reason: 'db move' }))).code,
    ).toBe('BAD_INPUT');

    const freeze = await startFreeze(deps, people.bob, {
      durationMs: 2 * 3_600_000,
      reason: 'db move @everyone',
    });
    expect(freeze).toMatchObject({ envs: ['prod'], startsAt: clock.now() });
    expect(freeze.id).toMatch(/^F[0-9A-Z]{8}$/);
    expect(announced[0]).toMatchObject({
      kind: 'freeze-transition',
      transition: 'start',
      freezeId: freeze.id,
    });
    const audit = await deps.repos.audit.find({ limit: 10 });
    expect(audit.find((e) => e.action === 'freeze.started')).toMatchObject({
      actor: { name: 'bob' },
      reason: 'db move @everyone',
      details: { freezeId: freeze.id },
    });
    expect(
      h.jobs.scheduled.some((j) => j.uniqueKey === `${freeze.id}|end|${freeze.startsAt.toISOString()}`),
    ).toBe(true);

    const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress).toMatchObject({ kind: 'queued', code: 'FROZEN' });
    expect(renderProgress(progress).content).toContain('db move');

    const { from, rows } = await upcomingFreezes(deps);
    expect(rows.map((r) => r.name)).toEqual(['db move @everyone', 'WoF attack', 'Elite Wars']);
    const list = JSON.stringify(renderFreezeList(rows, from, deps.config.timezone));
    expect(list).toContain(freeze.id);
    expect(list).toContain(`<t:${Math.floor(freeze.endsAt.getTime() / 1000)}:f>`);
    expect(list).toContain('Wed 4 Mar 20:30 Europe/London'); // WoF attack, in the configured timezone
    expect(list).not.toContain('@everyone'); // user text is neutralized

    expect((await refusal(liftFreeze(deps, people.alice, freeze.id))).code).toBe('NOT_ALLOWED');
    clock.advance(10 * 60_000);
    const lifted = await liftFreeze(deps, people.bob, freeze.id);
    expect(lifted.liftedBy?.name).toBe('bob');
    expect((await refusal(liftFreeze(deps, people.carol, freeze.id))).code).toBe('ALREADY_DECIDED');
    expect(announced.at(-1)).toMatchObject({ kind: 'freeze-lifted', offered: 1 });
    expect((await deps.repos.deploys.get(progress.deploy.id))?.state).toBe('requested');
    expect((await deps.repos.audit.find({ limit: 20 })).map((e) => e.action)).toContain('freeze.lifted');
    expect((await upcomingFreezes(deps)).rows.map((r) => r.name)).toEqual(['WoF attack', 'Elite Wars']);
  });

  it('schedules a freeze for later: announced at its start by the planned job, not before', async () => {
    await setUp('2026-03-04T09:00:00Z');
    const freeze = await startFreeze(deps, people.bob, {
      startsAt: new Date('2026-03-04T12:00:00Z'),
      durationMs: 3_600_000,
      reason: 'vendor outage',
      env: 'staging',
    });
    expect(announced).toMatchObject([{ kind: 'freeze-scheduled', freeze: { id: freeze.id } }]);
    expect((await deps.repos.audit.find({ limit: 5 }))[0]?.action).toBe('freeze.scheduled');
    const start = h.jobs.scheduled.find((j) => j.uniqueKey === `${freeze.id}|start|2026-03-04T12:00:00.000Z`);
    expect(start?.at?.toISOString()).toBe('2026-03-04T12:00:00.000Z');
    // Before the start, staging still deploys.
    expect(
      (await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' })).progress.kind,
    ).toBe('dispatched');
    await expect(
      startFreeze(deps, people.bob, {
        startsAt: new Date('2026-03-01T00:00:00Z'),
        durationMs: 3_600_000,
        reason: 'late',
      }),
    ).rejects.toThrow(/in the past/);
  });
});

describe('emergency override', () => {
  it('R4 cannot override; an R5 with a rollback plan releases one deploy, another R5 approves, one dispatch, audited', async () => {
    await setUp(IN_BUFFER);
    await greenStaging();
    const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress.kind).toBe('queued');
    const id = progress.deploy.id;

    expect((await refusal(checkOverride(deps, people.alice, id))).message).toMatch(/R5 role/);
    const plan = {
      reason: 'hotfix for login outage',
      rollbackPlan: 'redeploy v2026.03.06 with /rollback; bob watches',
    };
    expect((await refusal(overrideFreeze(deps, people.alice, id, plan))).code).toBe('NOT_ALLOWED');
    expect(
      (await refusal(overrideFreeze(deps, people.bob, id, { ...plan, rollbackPlan: '  ' }))).message,
    ).toMatch(/rollback plan is required/);
    expect((await deps.repos.deploys.get(id))?.state).toBe('queued');

    const overridden = await overrideFreeze(deps, people.bob, id, plan);
    expect(overridden.kind).toBe('awaiting_approval'); // four-eyes: prod still needs an R5's approval
    expect(overridden.deploy.override).toMatchObject({
      by: { name: 'bob' },
      rollbackPlan: plan.rollbackPlan,
    });
    expect(overridden.deploy.gates?.find((g) => g.code === 'FROZEN')).toMatchObject({ ok: true });
    expect(announced.at(-1)).toMatchObject({ kind: 'override', gate: 'FROZEN', deploy: { id } });
    expect((await refusal(overrideFreeze(deps, people.carol, id, plan))).code).toBe('ALREADY_DECIDED');

    const approved = await approveDeploy(deps, people.carol, id);
    expect(approved.kind).toBe('dispatched');
    expect(prodRuns()).toHaveLength(1);
    const entry = (await deps.repos.audit.find({ deployId: id, limit: 50 })).find(
      (e) => e.action === 'deploy.override',
    );
    expect(entry).toMatchObject({
      actor: { name: 'bob' },
      reason: plan.reason,
      details: { gate: 'FROZEN', rollbackPlan: plan.rollbackPlan },
    });
    await trackUntilDone(deps, id);

    // The override was for that one deploy: the next request waits for the freeze again.
    const next = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(next.progress).toMatchObject({ kind: 'queued', code: 'FROZEN' });
    expect(prodRuns()).toHaveLength(1);
  });

  it('two R5s overriding the same queued deploy at once: one override, the other is told it changed', async () => {
    await setUp(IN_BUFFER);
    await greenStaging();
    const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
    const plan = {
      reason: 'hotfix for login outage',
      rollbackPlan: 'redeploy the last version with /rollback',
    };

    const results = await Promise.allSettled([
      overrideFreeze(deps, people.bob, progress.deploy.id, plan),
      overrideFreeze(deps, people.carol, progress.deploy.id, plan),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({ code: 'ALREADY_DECIDED' });
    const overrides = (await deps.repos.audit.find({ deployId: progress.deploy.id, limit: 50 })).filter(
      (e) => e.action === 'deploy.override',
    );
    expect(overrides).toHaveLength(1);
  });
});
