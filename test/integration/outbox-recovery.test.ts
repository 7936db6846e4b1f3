import { afterEach, describe, expect, it } from 'vitest';
import { applyRun } from '../../src/app/deploys/track.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { performEffect } from '../../src/app/pipeline/effects.js';
import { createOutboxRunner, sweepOutbox } from '../../src/app/pipeline/worker.js';
import type { AppDeps, OutboxRunner } from '../../src/app/ports/deps.js';
import type { DeployNotifier } from '../../src/app/ports/notifier.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';

/**
 * What the outbox does with effects that may have half happened (§4, §9): a card or marker posted just
 * before the process died is adopted, not posted twice; an effect that keeps failing is given up after its
 * tries, with an error log, and the other effects are not held back.
 */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const REPO = 'example-org/api';
const noWorker: OutboxRunner = {
  kick: () => undefined,
  drain: () => Promise.resolve(),
  idle: () => Promise.resolve(),
};

function processOf(base: AppDeps, boot: string, notifier: DeployNotifier = base.notifier): AppDeps {
  const ref: { deps?: AppDeps } = {};
  ref.deps = {
    ...base,
    notifier,
    instance: { ...base.instance, boot },
    outbox: createOutboxRunner(() => ref.deps!, performEffect),
  };
  return ref.deps;
}

/** A staging deploy whose success was written by a process that died before doing anything it owed. */
async function succeededByADeadProcess(h: AppHarness): Promise<Deploy> {
  const dead: AppDeps = { ...h.deps, instance: { ...h.deps.instance, boot: 'dead' }, outbox: noWorker };
  const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  for (let i = 0; i < 200 && h.github.runs(REPO)[0]?.status !== 'completed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const read = await h.deps.github.getRun(REPO, h.github.runs(REPO)[0]!.id);
  if (read.notModified) throw new Error('a first read is never "not modified"');
  const current = (await h.deps.repos.deploys.get(deploy.id))!;
  await applyRun(dead, { ...current, runId: read.run.id }, read.run);
  // The dead process had claimed the outbox (and never let go).
  await h.deps.repos.deploys.claimOutbox(
    deploy.id,
    { instance: h.deps.instance.id, boot: 'dead' },
    new Date(Date.now() + 60_000),
    new Date(),
  );
  return (await h.deps.repos.deploys.get(deploy.id))!;
}

describe('outbox recovery', () => {
  it('adopts the marker a dead process had already posted', async () => {
    h = await startAppHarness();
    const deploy = await succeededByADeadProcess(h);
    expect(deploy.state).toBe('succeeded');
    const looked: string[] = [];
    const next = processOf(h.deps, 'next', {
      ...h.deps.notifier,
      findPosted: (d, what) => {
        looked.push(what);
        return Promise.resolve({ channelId: 'ops', messageId: `posted-${what}-${d.id}` });
      },
    });

    expect(await sweepOutbox(next)).toBeGreaterThanOrEqual(1);

    expect(looked).toEqual(['marker']); // the card's place was saved: edited, not looked for
    expect(h.told.markers).toHaveLength(0); // found, so not posted again
    const done = (await h.deps.repos.deploys.get(deploy.id))!;
    expect(h.told.cards.at(-1)?.deploy).toMatchObject({ id: deploy.id, state: 'succeeded' });
    expect(done.outbox).toBe(false);
  });

  it('gives up an effect after its tries, logs an error, and still does the others', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    const errors: string[] = [];
    const log = Object.assign(Object.create(h.deps.log) as AppDeps['log'], {
      error: (obj: unknown, msg?: string) => errors.push(msg ?? String(obj)),
      warn: () => undefined,
    });
    const refusingMarker = processOf({ ...h.deps, clock, log }, 'refusing', {
      ...h.deps.notifier,
      postMarker: () => Promise.reject(new Error('Discord said no')),
    });
    const deploy = await succeededByADeadProcess(h);
    await h.deps.repos.deploys.claimOutbox(
      deploy.id,
      { instance: h.deps.instance.id, boot: 'dead' },
      new Date(clock.now().getTime() - 1),
      new Date(clock.now().getTime() - 2),
    );

    for (let i = 0; i < 20; i++) {
      await sweepOutbox(refusingMarker);
      clock.advance(3 * 60_000); // past the longest backoff
    }

    const after = (await h.deps.repos.deploys.get(deploy.id))!;
    const marker = Object.values(after.effects ?? {}).find((e) => e.spec.kind === 'marker');
    expect(marker).toMatchObject({ status: 'gave_up', attempts: 12, lastError: 'Discord said no' });
    expect(errors).toContain('deploy effect given up');
    // The marker's lane came after the GitHub Deployment's final status, which was done.
    expect(h.github.deployments(REPO).at(-1)?.states).toEqual(['in_progress', 'success']);
    expect(after.verification).toBe('pending');
  });
});
