import { afterEach, describe, expect, it } from 'vitest';
import { smokeKey, type SmokeState } from '../../src/app/deploys/smoke-state.js';
import { smokeNightKey, type SmokeNight } from '../../src/app/smoke.js';
import { ManualClock } from '../../src/domain/clock.js';
import { startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { replaceMethod } from '../helpers/interpose.js';
import { checkTicks, runTick, runTicks, startNight } from './smoke-night.js';

/** The nightly smoke (§8) when GitHub answers a run read with "not modified". */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('nightly smoke edges', () => {
  it('a run read answered "not modified" keeps the run waiting with the link it had; the next read concludes it', async () => {
    const clock = new ManualClock(new Date());
    h = await startAppHarness({ clock });
    const nightId = 'DNIGHTNM1';
    await startNight(h.deps, { nightId });
    const night = () => h!.deps.repos.settings.get<SmokeNight>(smokeNightKey(nightId));
    const dispatched = (await night())?.services[0];
    expect(dispatched).toMatchObject({ service: 'api', runId: expect.any(Number) });
    const restore = replaceMethod(
      h.deps.github,
      'getRun',
      () => () => Promise.resolve({ notModified: true }),
    );

    await runTick(h.deps, checkTicks(h.jobs.scheduled)[0]!);

    expect((await night())?.services[0]).toEqual(dispatched);
    expect(checkTicks(h.jobs.scheduled)).toHaveLength(2);
    restore();
    await runTicks(h.deps, h.jobs.scheduled, { moveClockTo: (at) => clock.set(at) });
    expect((await night())?.services[0]).toMatchObject({ outcome: 'green', runId: dispatched?.runId });
    expect(await h.deps.repos.settings.get<SmokeState>(smokeKey('api'))).toMatchObject({ red: false });
  });
});
