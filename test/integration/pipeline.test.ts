import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { performEffect } from '../../src/app/pipeline/effects.js';
import { annotate } from '../../src/app/pipeline/transition.js';
import { createOutboxRunner, sweepOutbox, type PerformEffect } from '../../src/app/pipeline/worker.js';
import type { AppDeps, OutboxRunner } from '../../src/app/ports/deps.js';
import type { Deploy, Verification } from '../../src/domain/model.js';
import { people, refusal, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

/**
 * The pipeline's promise (§4, §9) at the app layer: every change and what it owes happen exactly once,
 * whoever works the outbox and whatever fails in between. A "process" is a deps with its own outbox worker
 * and boot id over the same repositories and the same local GitHub API.
 */

let h: AppHarness;
beforeEach(async () => {
  h = await startAppHarness();
});
afterEach(async () => {
  await h.close();
});

/** Another process over the same state: its own boot, its own worker (performing with `perform`). */
function processOf(base: AppDeps, boot: string, perform: PerformEffect = performEffect): AppDeps {
  const ref: { deps?: AppDeps } = {};
  const outbox = createOutboxRunner(() => ref.deps!, perform);
  ref.deps = { ...base, instance: { ...base.instance, boot }, outbox };
  return ref.deps;
}

/** A process that dies right after each write: its effects are never worked. */
function dyingProcess(base: AppDeps): AppDeps {
  const dead: OutboxRunner = {
    kick: () => undefined,
    drain: () => Promise.resolve(),
    idle: () => Promise.resolve(),
  };
  return { ...base, instance: { ...base.instance, boot: 'dead' }, outbox: dead };
}

async function waitFor<T>(read: () => Promise<T | undefined>, what: string, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const REPO = 'example-org/api';

async function stagingDeploy(verification?: Verification): Promise<Deploy> {
  const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  const done = await trackUntilDone(h.deps, deploy.id);
  await h.deps.outbox.drain(done.id);
  const current = (await h.deps.repos.deploys.get(done.id))!;
  if (verification === undefined) return current;
  return (await h.deps.repos.deploys.update(done.id, { verification }, new Date()))!;
}

describe('the deploy pipeline', () => {
  it('finishes everything a success owes once, when the process that recorded it died at once', async () => {
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const [run] = h.github.runs(REPO);
    await waitFor(
      () => Promise.resolve(h.github.runs(REPO)[0]?.status === 'completed' || undefined),
      'the run',
    );
    // The run is seen completed by a process that dies right after writing `succeeded`.
    const dying = dyingProcess(h.deps);
    const current = (await h.deps.repos.deploys.get(deploy.id))!;
    const read = await h.deps.github.getRun(REPO, run!.id);
    expect(read.notModified).toBe(false);
    if (read.notModified) return;
    const { applyRun } = await import('../../src/app/deploys/track.js');
    await applyRun(dying, current, read.run);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('succeeded');
    expect(h.told.markers).toHaveLength(0);

    // The next process's sweep (start-up, or the outbox job) finishes it.
    const next = processOf(h.deps, 'next');
    expect(await sweepOutbox(next)).toBeGreaterThanOrEqual(1);
    await sweepOutbox(next); // a second sweep does nothing more
    const done = (await h.deps.repos.deploys.get(deploy.id))!;
    expect(h.told.markers.map((d) => d.id)).toEqual([deploy.id]);
    expect(h.github.deployments(REPO).at(-1)?.states).toEqual(['in_progress', 'success']);
    expect(done.verification).toBe('pending');
    expect(h.told.cards.at(-1)?.deploy).toMatchObject({ state: 'succeeded', verification: 'pending' });
    expect(done.outbox).toBe(false);
    const audit = await h.deps.repos.audit.find({ deployId: deploy.id, limit: 100 });
    expect(audit.filter((e) => e.action === 'deploy.succeed')).toHaveLength(1);
  });

  it('never dispatches twice: an approval whose dispatch may have reached GitHub is checked first', async () => {
    await stagingDeploy('verified');
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    // This process's dispatch reaches GitHub, then the process dies before it could record it.
    const dispatch = h.deps.github.dispatch.bind(h.deps.github);
    const crashing = processOf(
      {
        ...h.deps,
        // The real client (a class: its methods live on the prototype), with dispatch replaced.
        github: Object.assign(Object.create(h.deps.github) as AppDeps['github'], {
          dispatch: async (...args: Parameters<AppDeps['github']['dispatch']>) => {
            await dispatch(...args);
            throw new Error('killed after the dispatch');
          },
        }),
      },
      'crashing',
    );
    const progress = await approveDeploy(crashing, people.bob, deploy.id);
    expect(progress.kind).toBe('dispatching');
    const prodRuns = () => h.github.runs(REPO).filter((r) => r.inputs.environment === 'prod');
    expect(prodRuns()).toHaveLength(1);
    const pending = (await h.deps.repos.deploys.get(deploy.id))!;
    expect(pending.state).toBe('approved');
    const key = Object.keys(pending.effects ?? {}).find((k) => k.startsWith('dispatch'))!;
    // The retry waits out its backoff; then the next process finds the run and records it.
    const next = processOf(h.deps, 'next');
    await waitFor(
      async () => {
        await sweepOutbox(next);
        const d = await h.deps.repos.deploys.get(deploy.id);
        return d && d.state !== 'approved' ? d : undefined;
      },
      'the dispatch record',
      10_000,
    );
    const recorded = (await h.deps.repos.deploys.get(deploy.id))!;
    expect(recorded.effects?.[key]).toMatchObject({ status: 'done', attempts: 1 });
    expect(recorded.runId).toBe(prodRuns()[0]?.id);
    expect(prodRuns()).toHaveLength(1);
  });

  it('keeps retrying a card edit that Discord refuses until the card shows the current state', async () => {
    let refusals = 4;
    const showCard = h.deps.notifier.showCard.bind(h.deps.notifier);
    const flaky: AppDeps = processOf(
      {
        ...h.deps,
        notifier: {
          ...h.deps.notifier,
          showCard: (deploy, extra) => {
            if (deploy.state === 'succeeded' && refusals > 0) {
              refusals -= 1;
              return Promise.reject(new Error('503 Service Unavailable'));
            }
            return showCard(deploy, extra);
          },
        },
      },
      'flaky',
    );
    const { deploy } = await requestDeploy(flaky, { actor: people.alice, service: 'api', env: 'staging' });
    await trackUntilDone(flaky, deploy.id);
    await flaky.outbox.drain(deploy.id);
    expect(h.told.cards.at(-1)?.deploy.state).not.toBe('succeeded');
    const card = await waitFor(
      async () => {
        await sweepOutbox(flaky);
        const last = h.told.cards.at(-1)?.deploy;
        return last?.state === 'succeeded' && last.verification === 'pending' ? last : undefined;
      },
      'the card to converge',
      20_000,
    );
    expect(card.id).toBe(deploy.id);
    expect(refusals).toBe(0);
    expect((await h.deps.repos.deploys.get(deploy.id))?.effects?.card?.status).toBe('done');
  });

  it('renders the card again when the deploy changes during an edit, never leaving an older state', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const showCard = h.deps.notifier.showCard.bind(h.deps.notifier);
    const slow = processOf(
      {
        ...h.deps,
        notifier: {
          ...h.deps.notifier,
          showCard: async (d, extra) => {
            if (d.verification === 'pending') {
              holding = true;
              await held; // Discord is slow with this edit
            }
            return showCard(d, extra);
          },
        },
      },
      'slow',
    );
    const { deploy } = await requestDeploy(slow, { actor: people.alice, service: 'api', env: 'staging' });
    const tracking = trackUntilDone(slow, deploy.id);
    await waitFor(() => Promise.resolve(holding || undefined), 'the slow edit');
    // While the "verification pending" edit is on its way, the deploy is verified (by another process).
    const pending = (await h.deps.repos.deploys.get(deploy.id))!;
    expect(pending.verification).toBe('pending');
    expect(
      await annotate(h.deps, pending, 'verified', { verification: 'verified' }, { actor: people.bob }),
    ).toBeDefined();
    release();
    await tracking;
    await slow.outbox.idle();
    await sweepOutbox(h.deps);
    const last = h.told.cards.filter((c) => c.deploy.id === deploy.id).at(-1);
    expect(last?.deploy.verification).toBe('verified');
    expect((await h.deps.repos.deploys.get(deploy.id))?.effects?.card?.status).toBe('done');
  });
});

describe('gates fail closed on staging verification', () => {
  it.each<[Verification | 'never started']>([['never started'], ['pending'], ['faulty']])(
    'refuses prod when the staging verification is %s',
    async (verification) => {
      const staging = await stagingDeploy();
      // The record as a crash before verification started would have left it: succeeded, nothing more.
      const { verification: _v, effects: _e, outbox: _o, rev: _r, updatedAt: _u, ...bare } = staging;
      const copy = await h.deps.repos.deploys.create({ ...bare, id: 'DSTAGING1', createdAt: new Date() });
      if (verification !== 'never started') {
        await h.deps.repos.deploys.update(copy.id, { verification }, new Date());
      }
      await h.deps.repos.deploys.update(staging.id, { state: 'superseded' }, new Date());
      const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
      expect(progress).toMatchObject({ kind: 'refused', code: 'NOT_ON_STAGING' });
    },
  );

  it('lets prod ask for approval once staging is verified', async () => {
    await stagingDeploy('verified');
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(progress.kind).toBe('awaiting_approval');
  });

  it('refuses an approval of someone without the R5 role', async () => {
    await stagingDeploy('verified');
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect((await refusal(approveDeploy(h.deps, people.dave, deploy.id))).code).toBe('NOT_ALLOWED');
  });
});
