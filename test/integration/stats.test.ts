import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stats } from '../../commands/stats.js';
import { doraChartSpec, renderDoraSvg } from '../../src/adapters/charts/dora-chart.js';
import { renderStats } from '../../src/adapters/discord/render/stats.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { deployStats } from '../../src/app/stats.js';
import type { NewDeploy } from '../../src/app/ports/repositories.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, refusal, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

let h: AppHarness;
beforeEach(async () => {
  h = await startAppHarness();
});
afterEach(async () => {
  await h.close();
});

const verified = async (deploy: Deploy): Promise<Deploy> =>
  (await h.deps.repos.deploys.update(deploy.id, { verification: 'verified' }, new Date())) ?? deploy;

async function shipToProd(): Promise<Deploy> {
  const staging = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  await verified(await trackUntilDone(h.deps, staging.deploy.id));
  const prod = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
  await approveDeploy(h.deps, people.bob, prod.deploy.id);
  return verified(await trackUntilDone(h.deps, prod.deploy.id));
}

const HOUR = 3_600_000;
function seeded(id: string, over: Partial<NewDeploy>): NewDeploy {
  return {
    id,
    kind: 'deploy',
    service: 'api',
    env: 'prod',
    ref: 'main',
    sha: 'c'.repeat(40),
    state: 'succeeded',
    reason: '',
    requestedBy: people.alice,
    createdAt: new Date(Date.now() - 3 * HOUR),
    ...over,
  };
}

const run = (options: { service?: string; days?: number }) =>
  stats.run({ options, deps: h.deps, actor: people.dave, log: h.deps.log, channelId: 'ops' });

describe('/stats', () => {
  it('counts a prod deploy that just went live, its lead time starting at the oldest commit GitHub compared', async () => {
    await shipToProd();
    h.github.addCommit('example-org/api', 'feat: faster');
    const second = await shipToProd();
    expect(second.commits?.[0]?.at).toBeInstanceOf(Date);

    const result = await deployStats(h.deps, { service: 'api' });
    expect(result.figures.prodDeploys).toBe(2);
    expect(result.figures.leadTime.samples).toBe(1);
    const oldest = Math.min(...(second.commits ?? []).map((c) => new Date(c.at ?? 0).getTime()));
    expect(result.figures.leadTime.medianMs).toBe(second.finishedAt!.getTime() - oldest);
    expect(result.figures.changeFailure).toEqual({ failed: 0, of: 2, rate: 0 });
  });

  it('answers with the figures in words and the chart as a PNG with alt text, reading only stored deploys', async () => {
    const now = Date.now();
    await h.deps.repos.deploys.create(
      seeded('P1', {
        finishedAt: new Date(now - 2 * HOUR),
        verification: 'faulty',
        commits: [{ sha: 'a', title: 'a', at: new Date(now - 6 * HOUR) }],
      }),
    );
    await h.deps.repos.deploys.create(
      seeded('P2', { finishedAt: new Date(now - HOUR), verification: 'verified' }),
    );
    await h.deps.repos.deploys.create(seeded('W1', { service: 'web', finishedAt: new Date(now - HOUR) }));
    h.github.resetRequests();

    const view = await run({ service: 'api', days: 7 });
    expect(h.github.requests()).toEqual([]);
    const text = view.embeds?.[0]?.description ?? '';
    expect(view.embeds?.[0]?.title).toContain('api');
    expect(text).toContain('2 prod deploys in 7 days');
    expect(text).toContain('median 4h over 1 deploy');
    expect(text).toContain('50% (1 of 2 faulty or rolled back)');
    expect(text).toContain('median 1h (1 restored)');
    const file = view.files?.[0];
    expect(file?.name).toBe('dora.png');
    expect(
      Buffer.from(file?.data ?? '')
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(file?.description).toMatch(/^Chart: prod deploys per day.*Change failure rate: 50%/);
    expect(view.embeds?.[0]?.image?.url).toBe('attachment://dora.png');

    const all = await run({});
    expect(all.embeds?.[0]?.description).toContain('3 prod deploys in 30 days');
  });

  it('refuses an unknown service and a period out of range, changing nothing', async () => {
    expect((await refusal(run({ service: 'nope' }))).code).toBe('UNKNOWN_SERVICE');
    expect((await refusal(deployStats(h.deps, { days: 0 }))).code).toBe('BAD_INPUT');
    expect((await refusal(deployStats(h.deps, { days: 366 }))).code).toBe('BAD_INPUT');
    expect((await refusal(deployStats(h.deps, { days: 1.5 }))).code).toBe('BAD_INPUT');
  });

  it('still answers with the figures when the chart cannot be drawn', async () => {
    const result = await deployStats(h.deps, {});
    const view = renderStats(result, undefined);
    expect(view.files).toBeUndefined();
    expect(view.embeds?.[0]?.description).toContain('could not be drawn');
    expect(view.embeds?.[0]?.description).toContain('0 prod deploys');
  });

  it('charts one bar per day and a lead-time line only where there are commit times', async () => {
    const result = await deployStats(h.deps, { days: 3 });
    const spec = doraChartSpec(result.figures) as { data: { values: { day: string }[] } };
    expect(spec.data.values).toHaveLength(result.figures.daily.length);
    const svg = await renderDoraSvg(result.figures);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('Prod deploys per day');
  });
});
