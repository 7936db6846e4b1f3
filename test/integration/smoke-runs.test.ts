import { afterEach, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { smokeKey, type SmokeState } from '../../src/app/deploys/smoke-state.js';
import { runNightlySmoke, type SmokeReport } from '../../src/app/smoke.js';
import { startAppHarness, testConfig, type AppHarness } from '../helpers/app-deps.js';

/** The nightly smoke (SPEC §8) when GitHub answers differently: what each night reports and records. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(edit: (raw: Record<string, unknown>) => void = () => undefined): Promise<AppHarness> {
  h = await startAppHarness({
    config: testConfig((raw) => {
      raw.freezeWindows = [];
      // Poll quickly: the local GitHub's runs finish within a fraction of a second.
      (raw.tracking as Record<string, unknown>).pollInterval = '1s';
      edit(raw);
    }),
  });
  return h;
}

const smokeState = (deps: AppDeps, service: string) => deps.repos.settings.get<SmokeState>(smokeKey(service));

describe('nightly smoke runs', () => {
  it('finds its run by deploy_id when GitHub answers the dispatch without run details', async () => {
    const { deps, github } = await harness();
    github.setDispatchDetails(false);

    const report = await runNightlySmoke(deps, { limitMs: 10_000 });

    expect(report.results[0]).toMatchObject({
      service: 'api',
      outcome: 'green',
      detail: 'success',
      runUrl: expect.stringMatching(/\/actions\/runs\/\d+$/),
    });
    expect(await smokeState(deps, 'api')).toMatchObject({ red: false });
  });

  it('calls a run that has not finished by the limit red, with its link, and records the soft freeze', async () => {
    const { deps, github } = await harness();
    github.holdRuns(true);

    const report = await runNightlySmoke(deps, { limitMs: 400 });

    expect(report.results[0]).toMatchObject({
      service: 'api',
      outcome: 'red',
      detail: 'the smoke run did not finish in time',
      runUrl: expect.stringMatching(/\/actions\/runs\/\d+$/),
    });
    expect(await smokeState(deps, 'api')).toMatchObject({ red: true, runUrl: report.results[0]?.runUrl });
    const audit = await deps.repos.audit.find({ service: 'api', limit: 10 });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'smoke.nightly', outcome: 'red', env: 'staging' }),
    );
    github.holdRuns(false);
  });

  it('calls a smoke that GitHub refuses to start red, saying why', async () => {
    const { deps } = await harness((raw) => {
      const services = raw.services as Record<string, Record<string, unknown>>;
      // A workflow file the repository does not have: GitHub answers 404.
      if (services.api) services.api.smokeWorkflow = 'nightly-smoke.yml';
    });

    const report = await runNightlySmoke(deps, { limitMs: 5_000 });

    expect(report.results[0]).toMatchObject({ service: 'api', outcome: 'red' });
    expect(report.results[0]?.detail).toMatch(/^could not run: /);
    expect(report.results[0]).not.toHaveProperty('runUrl');
    expect(await smokeState(deps, 'api')).toMatchObject({ red: true });
  });

  it('keeps the night’s results when the summary cannot be posted', async () => {
    const { deps } = await harness();
    const posted: SmokeReport[] = [];
    const failing: AppDeps = {
      ...deps,
      notifier: {
        ...deps.notifier,
        smokeSummary: (report) => {
          posted.push(report);
          return Promise.reject(new Error('Discord is unavailable'));
        },
      },
    };

    const report = await runNightlySmoke(failing, { limitMs: 10_000 });

    expect(posted).toHaveLength(1);
    expect(report.results.map((r) => `${r.service}:${r.outcome}`)).toEqual(['api:green', 'web:skipped']);
    expect(await smokeState(deps, 'api')).toMatchObject({ red: false });
  });
});
