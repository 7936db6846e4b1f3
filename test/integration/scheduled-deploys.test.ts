import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { renderScheduleList } from '../../src/adapters/discord/render/schedule.js';
import {
  cancelScheduled,
  fireScheduled,
  listScheduled,
  scheduleDeploy,
} from '../../src/app/continuous/index.js';
import { approveDeploy, cancelRequest } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { SCHEDULE_FIRE_JOB } from '../../src/app/job-names.js';
import { ManualClock } from '../../src/domain/clock.js';
import { newId } from '../../src/domain/ids.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, refusal, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

const REPO = 'example-org/api';
const HOUR = 3_600_000;

let h: AppHarness;
let clock: ManualClock;
beforeEach(async () => {
  clock = new ManualClock(new Date());
  h = await startAppHarness({ clock });
});
afterEach(async () => {
  await h.close();
});

const runsOf = (env: string) => h.github.runs(REPO).filter((r) => r.inputs.environment === env);

/** The head of main deployed to staging and verified there (verification has tests of its own). */
async function verifiedOnStaging(): Promise<Deploy> {
  const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  const done = await trackUntilDone(h.deps, deploy.id);
  return (await h.deps.repos.deploys.update(done.id, { verification: 'verified' }, clock.now())) ?? done;
}

async function schedule(env: string, inMs = HOUR): Promise<Deploy> {
  const progress = await scheduleDeploy(h.deps, {
    actor: people.alice,
    service: 'api',
    env,
    at: new Date(clock.now().getTime() + inMs),
    reason: 'after the raid',
  });
  expect(progress.kind).toBe('scheduled');
  return progress.deploy;
}

describe('scheduled deploys (§15)', () => {
  it('stores the request with its fire job; it fires once, at its time, through the gates', async () => {
    const deploy = await schedule('staging');
    expect(deploy).toMatchObject({
      state: 'scheduled',
      scheduledFor: new Date(clock.now().getTime() + HOUR),
    });
    expect(h.jobs.scheduled).toContainEqual({
      name: SCHEDULE_FIRE_JOB,
      data: { deployId: deploy.id },
      at: deploy.scheduledFor,
      uniqueKey: `schedule-fire:${deploy.id}`,
    });
    expect(runsOf('staging')).toHaveLength(0);
    const card = h.told.cards.find((c) => c.deploy.id === deploy.id);
    expect(card?.deploy.state).toBe('scheduled');
    expect((await listScheduled(h.deps)).map((d) => d.id)).toEqual([deploy.id]);
    expect(renderScheduleList(await listScheduled(h.deps)).content).toContain(deploy.id);

    clock.advance(HOUR);
    expect((await fireScheduled(h.deps, deploy.id))?.state).toBe('dispatched');
    // The job again (agenda after a crash, another instance): nothing more.
    await fireScheduled(h.deps, deploy.id);
    expect(runsOf('staging')).toHaveLength(1);
    expect(await listScheduled(h.deps)).toEqual([]);
    const actions = (await h.deps.repos.audit.find({ deployId: deploy.id, limit: 20 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['deploy.schedule', 'deploy.fire', 'deploy.autoApprove']));
  });

  it('refuses a time in the past, a person without a role and an unknown ref, storing nothing', async () => {
    const past = scheduleDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      at: new Date(clock.now().getTime() - 1),
    });
    expect((await refusal(past)).code).toBe('BAD_INPUT');
    const later = new Date(clock.now().getTime() + HOUR);
    expect(
      (
        await refusal(
          scheduleDeploy(h.deps, { actor: people.dave, service: 'api', env: 'staging', at: later }),
        )
      ).code,
    ).toBe('NOT_ALLOWED');
    expect(
      (
        await refusal(
          scheduleDeploy(h.deps, {
            actor: people.alice,
            service: 'api',
            env: 'staging',
            at: later,
            ref: 'nope',
          }),
        )
      ).code,
    ).toBe('UNKNOWN_REF');
    expect(await listScheduled(h.deps)).toEqual([]);
  });

  it('is cancelled by its requester or an R5 before it fires, never by others; a cancelled one never fires', async () => {
    const deploy = await schedule('staging');
    expect((await refusal(cancelScheduled(h.deps, people.dave, deploy.id))).code).toBe('NOT_ALLOWED');
    const cancelled = await cancelScheduled(h.deps, people.alice, deploy.id);
    expect(cancelled.state).toBe('cancelled');
    expect(h.jobs.cancelled).toContainEqual({ name: SCHEDULE_FIRE_JOB, data: { deployId: deploy.id } });
    expect((await refusal(cancelScheduled(h.deps, people.alice, deploy.id))).code).toBe('ALREADY_DECIDED');
    clock.advance(HOUR);
    expect((await fireScheduled(h.deps, deploy.id))?.state).toBe('cancelled');
    expect(runsOf('staging')).toHaveLength(0);

    // The card's Cancel button takes the same way.
    const other = await schedule('staging');
    expect((await cancelRequest(h.deps, people.bob, other.id)).state).toBe('cancelled');
  });

  it('an approval given in advance dispatches prod at fire time without a card, after the gates', async () => {
    await verifiedOnStaging();
    const deploy = await schedule('prod');
    const view = renderDeployCard(deploy, { repo: REPO, needsApproval: true });
    expect(JSON.stringify(view.components)).toContain('Approve in advance');

    expect((await refusal(approveDeploy(h.deps, people.alice, deploy.id))).code).toBe('NOT_ALLOWED');
    const pre = await approveDeploy(h.deps, people.bob, deploy.id);
    expect(pre).toMatchObject({ kind: 'scheduled', deploy: { preApproval: { by: { name: 'bob' } } } });
    expect((await refusal(approveDeploy(h.deps, people.carol, deploy.id))).message).toMatch(
      /in advance by bob/,
    );
    expect(runsOf('prod')).toHaveLength(0);

    clock.advance(HOUR);
    const fired = await fireScheduled(h.deps, deploy.id);
    expect(fired).toMatchObject({ state: 'dispatched', approvedBy: { name: 'bob' } });
    expect(runsOf('prod')).toHaveLength(1);
    expect(h.told.cards.some((c) => c.deploy.id === deploy.id && c.pinged)).toBe(false);
  });

  it('a new SHA on the ref voids the approval given in advance: it asks for approval again', async () => {
    await verifiedOnStaging();
    const deploy = await schedule('prod');
    await approveDeploy(h.deps, people.bob, deploy.id);
    // main moves on, and the new SHA is verified on staging too.
    h.github.addCommit(REPO, 'feat: later');
    await verifiedOnStaging();

    clock.advance(HOUR);
    const fired = await fireScheduled(h.deps, deploy.id);
    expect(fired?.state).toBe('awaiting_approval');
    expect(fired?.sha).not.toBe(deploy.sha);
    expect(fired?.outcomeReason).toMatch(/approval given in advance is void/);
    expect(runsOf('prod')).toHaveLength(0);
    const card = renderDeployCard(fired!, { repo: REPO, needsApproval: true });
    expect(JSON.stringify(card.embeds)).toContain('Approval in advance (void)');
    expect((await approveDeploy(h.deps, people.carol, deploy.id)).kind).toBe('dispatched');
  });

  it('one that meets a freeze at fire time queues', async () => {
    const deploy = await schedule('staging');
    clock.advance(HOUR);
    await h.deps.repos.freezes.create({
      id: newId('F'),
      reason: 'raid',
      envs: ['staging'],
      startsAt: new Date(clock.now().getTime() - 60_000),
      endsAt: new Date(clock.now().getTime() + HOUR),
      createdBy: people.bob,
      createdAt: clock.now(),
    });
    const fired = await fireScheduled(h.deps, deploy.id);
    expect(fired).toMatchObject({ state: 'queued', waitingFor: { code: 'FROZEN' } });
    expect(runsOf('staging')).toHaveLength(0);
  });
});
