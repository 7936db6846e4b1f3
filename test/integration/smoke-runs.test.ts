import { afterEach, describe, expect, it } from 'vitest';
import { smokeKey, type SmokeState } from '../../src/app/deploys/smoke-state.js';
import { RunWatch } from '../../src/app/deploys/track.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import type { GitHubPort } from '../../src/app/ports/github.js';
import {
  NIGHTLY_SMOKE_CHECK_JOB,
  SMOKE_RUN_LIMIT_MS,
  smokeNightKey,
  type SmokeReport,
} from '../../src/app/smoke.js';
import { ManualClock } from '../../src/domain/clock.js';
import { recordingJobs, startAppHarness, testConfig, type AppHarness } from '../helpers/app-deps.js';
import { checkTicks, runTick, runTicks, startNight } from './smoke-night.js';

/** The nightly smoke (SPEC §8) as a chain of job ticks: what each night reports and records. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Night {
  h: AppHarness;
  deps: AppDeps;
  clock: ManualClock;
  summaries: SmokeReport[];
}

async function harness(edit: (raw: Record<string, unknown>) => void = () => undefined): Promise<Night> {
  const clock = new ManualClock(new Date());
  h = await startAppHarness({
    clock,
    config: testConfig((raw) => {
      raw.freezeWindows = [];
      edit(raw);
    }),
  });
  const summaries: SmokeReport[] = [];
  const deps: AppDeps = {
    ...h.deps,
    notifier: {
      ...h.deps.notifier,
      smokeSummary: (report) => {
        summaries.push(report);
        return Promise.resolve();
      },
    },
  };
  return { h, deps, clock, summaries };
}

const smokeState = (deps: AppDeps, service: string) => deps.repos.settings.get<SmokeState>(smokeKey(service));
const nightlyAudit = async (deps: AppDeps) =>
  (await deps.repos.audit.find({ limit: 50 })).filter((a) => a.action === 'smoke.nightly');
const drive = (n: Night) => runTicks(n.deps, n.h.jobs.scheduled, { moveClockTo: (at) => n.clock.set(at) });
const smokeRuns = (n: Night) => n.h.github.runs('example-org/api').filter((r) => r.workflow === 'smoke.yml');

describe('nightly smoke runs', () => {
  it('a green night: dispatched on staging, found by deploy_id, one summary, the service green', async () => {
    const n = await harness();
    n.h.github.setDispatchDetails(false);

    await startNight(n.deps);
    // The start only dispatches: the runs are followed by the ticks.
    expect(n.summaries).toHaveLength(0);
    expect(checkTicks(n.h.jobs.scheduled)).toHaveLength(1);
    expect(await drive(n)).toBeGreaterThan(0);

    expect(smokeRuns(n)).toHaveLength(1);
    expect(smokeRuns(n)[0]?.inputs).toMatchObject({ environment: 'staging', deploy_id: expect.any(String) });
    expect(n.summaries).toHaveLength(1);
    expect(n.summaries[0]?.results[0]).toMatchObject({
      service: 'api',
      outcome: 'green',
      detail: 'success',
      runUrl: expect.stringMatching(/\/actions\/runs\/\d+$/),
    });
    expect(await smokeState(n.deps, 'api')).toMatchObject({ red: false });
    expect(await nightlyAudit(n.deps)).toEqual([
      expect.objectContaining({ service: 'api', outcome: 'green', env: 'staging' }),
    ]);
  });

  it('a dispatch that does not say which run it started: the ticks find the run by its deploy_id', async () => {
    const n = await harness();
    const github = n.deps.github;
    // The port allows an answer without the run (GitHub's 204 before 2025, or a lookup that came up empty).
    // The client is a class instance: derive from it rather than spread it, so its methods stay.
    const quiet = Object.create(github) as GitHubPort;
    quiet.dispatch = async (...args) => (await github.dispatch(...args), {});
    const deps: AppDeps = { ...n.deps, github: quiet };

    await startNight(deps);
    await runTicks(deps, n.h.jobs.scheduled, { moveClockTo: (at) => n.clock.set(at) });

    expect(n.summaries[0]?.results[0]).toMatchObject({
      service: 'api',
      outcome: 'green',
      runUrl: expect.stringMatching(/\/actions\/runs\/\d+$/),
    });
  });

  it('a start run again after a crash finds the run it had started by its deploy_id, and keeps waiting for one not listed yet', async () => {
    const n = await harness();
    const github = n.deps.github;
    const quiet = Object.create(github) as GitHubPort;
    quiet.dispatch = async (...args) => (await github.dispatch(...args), {});
    let listed = false;
    quiet.findRunByDeployId = async (...args) => (listed ? github.findRunByDeployId(...args) : undefined);
    const deps: AppDeps = { ...n.deps, github: quiet };

    await startNight(deps, { nightId: 'DNIGHT002' });
    // GitHub has not listed the run yet: the first tick finds nothing and looks again on the next.
    await runTick(deps, checkTicks(n.h.jobs.scheduled)[0]!);
    expect(checkTicks(n.h.jobs.scheduled)).toHaveLength(2);
    const waiting = await n.deps.repos.settings.get<{ services: { runId?: number }[] }>(
      smokeNightKey('DNIGHT002'),
    );
    expect(waiting?.services[0]?.runId).toBeUndefined();

    listed = true;
    await startNight(deps, { nightId: 'DNIGHT002' });
    const found = await n.deps.repos.settings.get<{ services: { runId?: number }[] }>(
      smokeNightKey('DNIGHT002'),
    );
    expect(found?.services[0]?.runId).toBe(smokeRuns(n)[0]?.id);
    expect(smokeRuns(n)).toHaveLength(1);
  });

  it('a start of a night that already concluded does nothing at all', async () => {
    const n = await harness();
    await startNight(n.deps, { nightId: 'DNIGHT003' });
    await drive(n);
    const scheduled = n.h.jobs.scheduled.length;

    await startNight(n.deps, { nightId: 'DNIGHT003' });

    expect(n.h.jobs.scheduled).toHaveLength(scheduled);
    expect(smokeRuns(n)).toHaveLength(1);
    expect(n.summaries).toHaveLength(1);
  });

  it('a red night: the failed run turns the service red, with its link', async () => {
    const n = await harness();
    n.h.github.failNext('example-org/api', 'smoke.yml');

    await startNight(n.deps);
    await drive(n);

    expect(n.summaries).toHaveLength(1);
    const api = n.summaries[0]?.results[0];
    expect(api).toMatchObject({ service: 'api', outcome: 'red', detail: 'failure' });
    expect(await smokeState(n.deps, 'api')).toMatchObject({ red: true, runUrl: api?.runUrl });
  });

  it('a run that never finishes: the night waits, and is called red once the deadline passes on the clock', async () => {
    const n = await harness();
    n.h.github.holdRuns(true);
    await startNight(n.deps);
    const ticks = () => checkTicks(n.h.jobs.scheduled);

    for (let i = 0; i < 3; i++) await runTick(n.deps, ticks().at(-1)!);
    // Still running: nothing recorded, nothing posted, the next tick waiting.
    expect(n.summaries).toHaveLength(0);
    expect(await smokeState(n.deps, 'api')).toBeUndefined();
    expect(ticks().map((t) => t.data.tick)).toEqual([1, 2, 3, 4]);

    n.clock.advance(SMOKE_RUN_LIMIT_MS);
    await runTick(n.deps, ticks().at(-1)!);

    expect(ticks()).toHaveLength(4); // concluded: no next tick
    expect(n.summaries).toHaveLength(1);
    const api = n.summaries[0]?.results[0];
    expect(api).toMatchObject({
      service: 'api',
      outcome: 'red',
      detail: 'the smoke run did not finish in time',
      runUrl: expect.stringMatching(/\/actions\/runs\/\d+$/),
    });
    expect(await smokeState(n.deps, 'api')).toMatchObject({ red: true, runUrl: api?.runUrl });
    expect(await nightlyAudit(n.deps)).toEqual([
      expect.objectContaining({ service: 'api', outcome: 'red', env: 'staging' }),
    ]);
    n.h.github.holdRuns(false);
  });

  it('a service without a smoke workflow is skipped, said so, and not recorded', async () => {
    const n = await harness();

    await startNight(n.deps);
    await drive(n);

    expect(n.summaries[0]?.results).toEqual([
      expect.objectContaining({ service: 'api', outcome: 'green' }),
      { service: 'web', outcome: 'skipped', detail: 'no smoke workflow configured' },
    ]);
    expect(await smokeState(n.deps, 'web')).toBeUndefined();
    expect((await nightlyAudit(n.deps)).map((a) => a.service)).toEqual(['api']);
  });

  it('a smoke GitHub refuses to start is red, saying why, without a link', async () => {
    const n = await harness((raw) => {
      const services = raw.services as Record<string, Record<string, unknown>>;
      // A workflow file the repository does not have: GitHub answers 404.
      if (services.api) services.api.smokeWorkflow = 'nightly-smoke.yml';
    });

    await startNight(n.deps);
    await drive(n);

    const api = n.summaries[0]?.results[0];
    expect(api).toMatchObject({ service: 'api', outcome: 'red' });
    expect(api?.detail).toMatch(/^could not run: /);
    expect(api).not.toHaveProperty('runUrl');
    expect(await smokeState(n.deps, 'api')).toMatchObject({ red: true });
  });

  it('a tick run twice, one after the other or at once on two instances, concludes once', async () => {
    const n = await harness();
    n.h.github.holdRuns(true);
    await startNight(n.deps);
    n.clock.advance(SMOKE_RUN_LIMIT_MS);
    const last = checkTicks(n.h.jobs.scheduled).at(-1)!;
    const otherJobs = recordingJobs();
    const other: AppDeps = { ...n.deps, jobs: otherJobs };

    await Promise.all([runTick(n.deps, last), runTick(other, last)]);
    await runTick(n.deps, last);
    // A tick a losing concluder scheduled finds the night concluded.
    for (const tick of [...checkTicks(n.h.jobs.scheduled), ...checkTicks(otherJobs.scheduled)])
      await runTick(n.deps, tick);

    expect(n.summaries).toHaveLength(1);
    expect(await nightlyAudit(n.deps)).toHaveLength(1);
    n.h.github.holdRuns(false);
  });

  it('a start agenda runs again for the same night dispatches nothing twice', async () => {
    const n = await harness();
    // No run details from the dispatch: the second start must find the run by its deploy_id.
    n.h.github.setDispatchDetails(false);
    await startNight(n.deps, { nightId: 'DNIGHT001' });
    await startNight(n.deps, { nightId: 'DNIGHT001' });
    await drive(n);

    expect(smokeRuns(n)).toHaveLength(1);
    expect(n.summaries).toHaveLength(1);
  });

  it('a run GitHub fails to read is read again on the next tick', async () => {
    const n = await harness();
    await startNight(n.deps);
    n.h.github.failNextRequest({ method: 'GET', path: /\/actions\/runs\/\d+$/ }, 404);
    await runTick(n.deps, checkTicks(n.h.jobs.scheduled)[0]!);
    expect(checkTicks(n.h.jobs.scheduled)).toHaveLength(2);
    expect(n.summaries).toHaveLength(0);

    await drive(n);

    expect(n.summaries[0]?.results[0]).toMatchObject({ service: 'api', outcome: 'green' });
  });

  it('a concluder that died holding the night: the next tick after its lease concludes, once', async () => {
    const n = await harness();
    n.h.github.holdRuns(true);
    await startNight(n.deps);
    const first = checkTicks(n.h.jobs.scheduled)[0]!;
    const nightId = String(first.data.nightId);
    n.clock.advance(SMOKE_RUN_LIMIT_MS);
    await n.deps.repos.leases.acquire(smokeNightKey(nightId), 'dead-instance', 5 * 60_000, n.clock.now());

    await runTick(n.deps, first);
    expect(n.summaries).toHaveLength(0);
    expect(checkTicks(n.h.jobs.scheduled)).toHaveLength(2);

    n.clock.advance(60_000);
    await runTick(n.deps, checkTicks(n.h.jobs.scheduled).at(-1)!);
    expect(n.summaries).toHaveLength(0); // the lease still holds a minute later
    n.clock.advance(5 * 60_000);
    await runTick(n.deps, checkTicks(n.h.jobs.scheduled).at(-1)!);
    expect(n.summaries).toHaveLength(1);
    expect(n.summaries[0]?.results[0]).toMatchObject({
      outcome: 'red',
      detail: 'the smoke run did not finish in time',
    });
    n.h.github.holdRuns(false);
  });

  it('a tick for a night nobody recorded is dropped', async () => {
    const n = await harness();
    await runTick(n.deps, { name: NIGHTLY_SMOKE_CHECK_JOB, data: { nightId: 'DUNKNOWN1', tick: 1 } });
    expect(n.h.jobs.scheduled).toHaveLength(0);
    expect(n.summaries).toHaveLength(0);
  });

  it('a restart between ticks: a new instance over the same database continues the night', async () => {
    const n = await harness();
    n.h.github.holdRuns(true);
    await startNight(n.deps);
    await runTick(n.deps, checkTicks(n.h.jobs.scheduled).at(-1)!);
    expect(n.summaries).toHaveLength(0);

    // The process dies; a new one has the same repositories and the queued tick, and nothing else.
    const summaries: SmokeReport[] = [];
    const jobs = recordingJobs();
    const restarted: AppDeps = {
      ...n.deps,
      jobs,
      local: { runs: new RunWatch(), greenCi: new Map() },
      notifier: {
        ...n.h.deps.notifier,
        smokeSummary: (report) => {
          summaries.push(report);
          return Promise.resolve();
        },
      },
    };
    n.h.github.holdRuns(false);
    await runTick(restarted, checkTicks(n.h.jobs.scheduled).at(-1)!);
    await runTicks(restarted, jobs.scheduled, { moveClockTo: (at) => n.clock.set(at) });

    expect(n.summaries).toHaveLength(0);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.results[0]).toMatchObject({ service: 'api', outcome: 'green' });
    expect(smokeRuns(n)).toHaveLength(1);
  });

  it('keeps the night’s results when the summary cannot be posted', async () => {
    const n = await harness();
    const posted: SmokeReport[] = [];
    const failing: AppDeps = {
      ...n.deps,
      notifier: {
        ...n.deps.notifier,
        smokeSummary: (report) => {
          posted.push(report);
          return Promise.reject(new Error('Discord is unavailable'));
        },
      },
    };

    await startNight(failing);
    await runTicks(failing, n.h.jobs.scheduled, { moveClockTo: (at) => n.clock.set(at) });

    expect(posted).toHaveLength(1);
    expect(posted[0]?.results.map((r) => `${r.service}:${r.outcome}`)).toEqual(['api:green', 'web:skipped']);
    expect(await smokeState(n.deps, 'api')).toMatchObject({ red: false });
  });
});
