import { afterEach, describe, expect, it, vi } from 'vitest';
import { healthReport } from '../../../src/app/health.js';
import type { AppDeps } from '../../../src/app/ports/deps.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Deploy } from '../../../src/domain/model.js';
import { people, startAppHarness, testConfig, type AppHarness } from '../../helpers/app-deps.js';

/** What `/health` reports (SPEC §9): each part, and what it says when that part is down or slow. */
let h: AppHarness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
  h = undefined;
});

// Wednesday 2 December 2026, noon in London (GMT): the example's WoF window opens its buffer at 18:30.
const WEDNESDAY_NOON = '2026-12-02T12:00:00Z';

/** The example configuration, its recurring freeze windows included unless `edit` changes them. */
async function harness(
  at: string,
  edit: (raw: Record<string, unknown>) => void = () => undefined,
): Promise<AppHarness> {
  h = await startAppHarness({ clock: new ManualClock(at), config: testConfig(edit) });
  return h;
}

async function succeeded(
  deps: AppDeps,
  fields: Pick<Deploy, 'id' | 'service' | 'env' | 'sha' | 'createdAt'> & Partial<Deploy>,
): Promise<void> {
  await deps.repos.deploys.create({
    kind: 'deploy',
    ref: 'main',
    state: 'succeeded',
    reason: 'weekly release',
    requestedBy: { id: people.alice.id, name: people.alice.name },
    ...fields,
  });
}

describe('/health report', () => {
  it('shows the instance, MongoDB, jobs, GitHub rate limit and the deployed and verified versions', async () => {
    const { deps } = await harness(WEDNESDAY_NOON, (raw) => {
      raw.freezeWindows = [];
    });
    const day = new Date('2026-12-01T10:00:00Z');
    await succeeded(deps, {
      id: 'D1',
      service: 'api',
      env: 'prod',
      sha: 'a'.repeat(40),
      version: 'v2026.12.01',
      verification: 'verified',
      createdAt: day,
      finishedAt: new Date(day.getTime() + 60_000),
    });
    await succeeded(deps, {
      id: 'D2',
      service: 'api',
      env: 'prod',
      sha: 'b'.repeat(40),
      version: 'v2026.12.01-patch1',
      verification: 'pending',
      createdAt: new Date(day.getTime() + 3_600_000),
    });

    const report = await healthReport(deps);

    expect(report).toMatchObject({
      instanceId: 'test',
      role: 'leader',
      version: '0.0.0',
      mongoMs: 0,
      jobs: { queued: 0, running: 0, failed: 0 },
      maintenance: undefined,
      freeze: {},
    });
    expect(report.githubRateLimit).toMatchObject({
      remaining: expect.any(Number),
      limit: expect.any(Number),
    });
    const apiProd = report.environments.find((e) => e.service === 'api' && e.env === 'prod');
    // The newest success is deployed; the rollback target is the newest verified one.
    expect(apiProd).toMatchObject({
      deployed: { version: 'v2026.12.01-patch1', sha: 'b'.repeat(40) },
      verified: { version: 'v2026.12.01', sha: 'a'.repeat(40) },
    });
    expect(report.environments.map((e) => `${e.service}/${e.env}`)).toEqual([
      'api/staging',
      'api/prod',
      'web/staging',
      'web/prod',
    ]);
    expect(report.environments.find((e) => e.service === 'web' && e.env === 'prod')).toEqual({
      service: 'web',
      env: 'prod',
    });
  });

  it('shows "?" for a deploy that recorded no version, dated when it was last updated', async () => {
    const { deps } = await harness(WEDNESDAY_NOON);
    await succeeded(deps, {
      id: 'D3',
      service: 'web',
      env: 'staging',
      sha: 'c'.repeat(40),
      createdAt: new Date('2026-12-02T09:00:00Z'),
    });
    const stored = await deps.repos.deploys.get('D3');
    const report = await healthReport(deps);
    expect(report.environments.find((e) => e.service === 'web' && e.env === 'staging')).toEqual({
      service: 'web',
      env: 'staging',
      deployed: { version: '?', sha: 'c'.repeat(40), at: stored?.updatedAt },
    });
  });

  it('names the next freeze of the week before it starts, and the one in force inside its buffer', async () => {
    const before = await harness(WEDNESDAY_NOON);
    expect((await healthReport(before.deps)).freeze).toEqual({
      next: {
        name: 'WoF attack',
        bufferStartsAt: new Date('2026-12-02T18:30:00Z'),
        startsAt: new Date('2026-12-02T20:30:00Z'),
      },
    });
    await before.close();

    const inBuffer = await harness('2026-12-02T19:00:00Z');
    const freeze = (await healthReport(inBuffer.deps)).freeze;
    expect(freeze).toMatchObject({
      active: { name: 'WoF attack', inBuffer: true, endsAt: new Date('2026-12-02T22:00:00Z') },
      next: { name: 'Elite Wars', startsAt: new Date('2026-12-05T19:00:00Z') },
    });
  });

  it('shows a one-off freeze of prod and maintenance with its reason and who turned it on', async () => {
    const { deps } = await harness(WEDNESDAY_NOON, (raw) => {
      raw.freezeWindows = [];
    });
    const now = deps.clock.now();
    await deps.repos.freezes.create({
      id: 'F1',
      reason: 'database migration',
      envs: ['prod'],
      startsAt: now,
      endsAt: new Date(now.getTime() + 3_600_000),
      createdBy: { id: people.bob.id, name: people.bob.name },
      createdAt: now,
    });
    await deps.repos.settings.set(
      'maintenance',
      { on: true, reason: 'provider incident', by: { id: people.bob.id, name: 'bob' } },
      now,
    );

    const report = await healthReport(deps);
    expect(report.maintenance).toEqual({ reason: 'provider incident', by: 'bob' });
    expect(report.freeze).toMatchObject({
      active: { inBuffer: false, endsAt: new Date('2026-12-02T13:00:00Z') },
    });
  });

  it('says which parts are down instead of failing: MongoDB unreachable, jobs and GitHub unavailable', async () => {
    const { deps } = await harness(WEDNESDAY_NOON);
    const broken: AppDeps = {
      ...deps,
      db: { ping: () => Promise.reject(new Error('connection refused')) },
      jobs: { ...deps.jobs, stats: () => Promise.reject(new Error('agenda stopped')) },
      // The real client (a class: its methods live on the prototype), with rateLimit failing.
      github: Object.assign(Object.create(deps.github) as AppDeps['github'], {
        rateLimit: () => Promise.reject(new Error('bad credentials')),
        credentialStatus: () => Promise.reject(new Error('GitHub unreachable')),
      }),
      repos: {
        ...deps.repos,
        freezes: { ...deps.repos.freezes, overlapping: () => Promise.reject(new Error('timeout')) },
      },
    };

    const report = await healthReport(broken);
    expect(report).toMatchObject({
      mongoMs: 'unreachable',
      jobs: 'unavailable',
      githubRateLimit: 'unavailable',
      githubCredentials: 'unavailable',
      freeze: 'unavailable',
    });
    // The parts that still answer are there.
    expect(report.environments).toHaveLength(4);
  });

  it('answers within its bound when a part hangs, with the service list but no versions', async () => {
    const { deps } = await harness(WEDNESDAY_NOON);
    const never = new Promise<never>(() => undefined);
    const hanging: AppDeps = {
      ...deps,
      db: { ping: () => never },
      repos: { ...deps.repos, deploys: { ...deps.repos.deploys, lastSucceeded: () => never } },
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = healthReport(hanging);
    await vi.advanceTimersByTimeAsync(2_000);
    const report = await pending;
    expect(report.mongoMs).toBe('unreachable');
    expect(report.environments).toContainEqual({ service: 'api', env: 'prod' });
    expect(report.environments.every((e) => !('deployed' in e))).toBe(true);
  });
});
