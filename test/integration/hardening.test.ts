import { afterEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { overrideFreeze } from '../../src/app/freeze-override.js';
import { ManualClock } from '../../src/domain/clock.js';
import {
  people,
  refusal,
  startAppHarness,
  testConfig,
  trackUntilDone,
  type AppHarness,
} from '../helpers/app-deps.js';

/** Issue 11: hostile input and faults, each at the app boundary a person reaches. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// Saturday 7 March 2026 17:30 UTC: inside the example's "Elite Wars" buffer, so prod deploys queue.
const IN_BUFFER = '2026-03-07T17:30:00Z';

async function queuedProdDeploy(): Promise<{ harness: AppHarness; id: string }> {
  const clock = new ManualClock(IN_BUFFER);
  const harness = await startAppHarness({ clock, config: testConfig() });
  h = harness;
  const { deps } = harness;
  const staging = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' });
  const done = await trackUntilDone(deps, staging.progress.deploy.id);
  await deps.repos.deploys.update(done.id, { verification: 'verified' }, clock.now());
  const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
  expect(progress).toMatchObject({ kind: 'queued', code: 'FROZEN' });
  return { harness, id: progress.deploy.id };
}

describe('defect 2: a rollback plan must have visible words', () => {
  it.each([
    ['spaces and newlines', ' \n\n          \n\t  '],
    ['zero-width characters', '\u200b'.repeat(20) + '\u2060\ufeff\u200c\u200d'.repeat(5)],
    ['a bidi override and a few letters', '\u202e\u202e\u202e\u202e\u202e\u202e\u202eabc'],
  ])('refuses %s, and the deploy stays queued', async (_name, rollbackPlan) => {
    const { harness, id } = await queuedProdDeploy();
    const error = await refusal(
      overrideFreeze(harness.deps, people.bob, id, { reason: 'hotfix for login outage', rollbackPlan }),
    );
    expect(error).toMatchObject({
      code: 'BAD_INPUT',
      message: 'The rollback plan is required (at least 10 characters).',
    });
    expect((await harness.deps.repos.deploys.get(id))?.state).toBe('queued');
  });

  it('keeps a long plan whole instead of cutting it at the reason limit', async () => {
    const { harness, id } = await queuedProdDeploy();
    const rollbackPlan = `redeploy the previous version with /rollback; ${'step '.repeat(150)}`.trim();
    expect(rollbackPlan.length).toBeGreaterThan(500);
    const done = await overrideFreeze(harness.deps, people.bob, id, {
      reason: 'hotfix for login outage',
      rollbackPlan,
    });
    expect(done.deploy.override?.rollbackPlan).toBe(rollbackPlan);
  });
});
