import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRun, trackDeploy } from '../../src/app/deploys/track.js';
import type { Run } from '../../src/app/ports/github.js';
import { startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { API, dispatchRunFor, seedDeploy } from '../helpers/deploy-records.js';
import { replaceMethod } from '../helpers/interpose.js';

/**
 * Following a deploy's run (§4.6) from records an older bot left (no dispatch time), deploys that moved
 * while being looked at, and GitHub answers that are incomplete or broken.
 */
let h: AppHarness;
beforeEach(async () => {
  h = await startAppHarness();
});
afterEach(async () => {
  await h.close();
});

const minutesAgo = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);

/** Counts the run reads the bot makes from here on. */
function countRunReads(): { reads: number } {
  const counter = { reads: 0 };
  replaceMethod(h.deps.github, 'getRun', (getRun) => (...args) => {
    counter.reads += 1;
    return getRun(...args);
  });
  return counter;
}

async function runRead(runId: number): Promise<Run> {
  const read = await h.deps.github.getRun(API, runId);
  if (read.notModified) throw new Error('a read without an ETag answered 304');
  return read.run;
}

describe('a dispatched deploy whose record has no dispatch time (older records)', () => {
  it('fails, saying so, when its run never appeared within five minutes of its creation', async () => {
    const lost = await seedDeploy(h, {
      id: 'DL0ST0001',
      env: 'staging',
      state: 'dispatched',
      createdAt: minutesAgo(6),
    });

    await trackDeploy(h.deps, lost);

    expect(await h.deps.repos.deploys.get(lost.id)).toMatchObject({
      state: 'failed',
      outcomeReason: 'The workflow run never appeared on GitHub.',
    });
  });

  it('is left waiting for its run within those five minutes', async () => {
    const young = await seedDeploy(h, {
      id: 'DY0NG0001',
      env: 'staging',
      state: 'dispatched',
      createdAt: minutesAgo(4),
    });

    await trackDeploy(h.deps, young);

    expect((await h.deps.repos.deploys.get(young.id))?.state).toBe('dispatched');
  });

  it('is marked stuck once its run has been going longer than stuckAfter since its creation', async () => {
    h.github.holdRuns(true);
    const since = minutesAgo(h.deps.config.tracking.stuckAfter / 60_000 + 1);
    const runId = await dispatchRunFor(h, 'DSTVCK001', 'staging');
    const slow = await seedDeploy(h, {
      id: 'DSTVCK001',
      env: 'staging',
      state: 'running',
      runId,
      createdAt: since,
    });

    await trackDeploy(h.deps, slow);

    expect(await h.deps.repos.deploys.get(slow.id)).toMatchObject({ state: 'running', stuck: true });
  });
});

describe('a deploy that moved while it was looked at', () => {
  it('a deploy that finished since the sweep read it is left alone: its run is not read again', async () => {
    const runId = await dispatchRunFor(h, 'DD0NE0001', 'staging');
    const done = await seedDeploy(h, { id: 'DD0NE0001', env: 'staging', state: 'succeeded', runId });
    const counter = countRunReads();

    await trackDeploy(h.deps, done);

    expect(counter.reads).toBe(0);
    expect((await h.deps.repos.deploys.get(done.id))?.state).toBe('succeeded');
  });

  it('a run seen going for a deploy cancelled meanwhile does not bring the deploy back to running', async () => {
    h.github.holdRuns(true);
    const runId = await dispatchRunFor(h, 'DCANC0001', 'staging');
    const seen = await seedDeploy(h, { id: 'DCANC0001', env: 'staging', state: 'dispatched', runId });
    const run = await runRead(runId);
    await h.deps.repos.deploys.update(seen.id, { state: 'cancelled' }, new Date());

    await applyRun(h.deps, seen, { ...run, status: 'in_progress' });

    expect((await h.deps.repos.deploys.get(seen.id))?.state).toBe('cancelled');
  });
});

describe('GitHub answers that are incomplete or broken', () => {
  it('a run completed without a conclusion fails the deploy, naming it unknown', async () => {
    h.github.holdRuns(true);
    const runId = await dispatchRunFor(h, 'DUNKN0001', 'staging');
    const deploy = await seedDeploy(h, { id: 'DUNKN0001', env: 'staging', state: 'running', runId });
    const run = await runRead(runId);

    await applyRun(h.deps, deploy, { ...run, status: 'completed', conclusion: null });

    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({
      state: 'failed',
      outcomeReason: 'The workflow run ended: unknown.',
    });
  });

  it('a 304 to a read the bot sent no ETag with (nothing remembered) changes nothing', async () => {
    const runId = await dispatchRunFor(h, 'DN0TM0001', 'staging');
    const deploy = await seedDeploy(h, { id: 'DN0TM0001', env: 'staging', state: 'dispatched', runId });
    h.deps.local.runs.forget(runId);
    replaceMethod(h.deps.github, 'getRun', () => () => Promise.resolve({ notModified: true as const }));

    await trackDeploy(h.deps, deploy);

    expect(await h.deps.repos.deploys.get(deploy.id)).toMatchObject({ state: 'dispatched', rev: deploy.rev });
  });
});
