import { afterEach, describe, expect, it } from 'vitest';
import { renderSmokeSummary } from '../../src/adapters/discord/render/smoke.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { NIGHTLY_SMOKE_JOB, requestSmokeNow, type SmokeReport } from '../../src/app/smoke.js';
import { people } from '../helpers/app-deps.js';
import { runTicks, startNight } from './smoke-night.js';
import { deployVerified, startVerifyHarness, type VerifyHarness } from './verification-helpers.js';

let h: VerifyHarness;
afterEach(async () => {
  await h.close();
});

/** One night through its jobs, the clock moved to each tick; the night's summary. */
async function night(data: Record<string, unknown> = {}): Promise<SmokeReport> {
  const before = h.smokeReports.length;
  await startNight(h.deps, data);
  await runTicks(h.deps, h.jobs.scheduled, {
    moveClockTo: (at) => h.advance(at.getTime() - h.deps.clock.now().getTime()),
  });
  expect(h.smokeReports).toHaveLength(before + 1);
  return h.smokeReports.at(-1)!;
}

describe('nightly smoke (app layer)', () => {
  it('a red night blocks prod with SMOKE_RED until a green run clears it; one summary each night', async () => {
    h = await startVerifyHarness();
    await deployVerified(h, 'staging');
    h.github.failNext('example-org/api', 'smoke.yml');
    const red = await night();
    expect(red.results).toEqual([
      expect.objectContaining({ service: 'api', outcome: 'red', detail: 'failure' }),
      { service: 'web', outcome: 'skipped', detail: 'no smoke workflow configured' },
    ]);
    expect(h.smokeReports).toHaveLength(1);
    const summary = renderSmokeSummary(red);
    expect(summary).toMatch(/api\*\*: red/);
    expect(summary).toMatch(/web\*\*: skipped/);
    const smokeRuns = h.github.runs('example-org/api').filter((r) => r.workflow === 'smoke.yml');
    expect(smokeRuns.at(-1)?.inputs.environment).toBe('staging');

    const blocked = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    // A soft freeze: the request waits in the queue (an R5 may override it; a green night clears it).
    expect(blocked.progress).toMatchObject({ kind: 'queued', code: 'SMOKE_RED' });

    const green = await night();
    expect(green.results[0]).toMatchObject({ service: 'api', outcome: 'green' });
    expect(h.smokeReports).toHaveLength(2);
    const open = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(open.progress.kind).toBe('awaiting_approval');
  });

  it('/smoke run: an R5 schedules the nightly smoke now; an R4 may not', async () => {
    h = await startVerifyHarness();
    await expect(requestSmokeNow(h.deps, people.alice)).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await requestSmokeNow(h.deps, people.bob);
    const requested = h.jobs.scheduled.filter((j) => j.name === NIGHTLY_SMOKE_JOB);
    expect(requested).toHaveLength(1);
    // The scheduled job starts a night that runs to its summary.
    expect((await night(requested[0]?.data)).results[0]).toMatchObject({ service: 'api' });
  });
});
