import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { sweepOutbox } from '../../src/app/pipeline/worker.js';
import type { LocalGitHub } from '../../src/sandbox/github/index.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { recordFigure } from './figures.js';

/**
 * SPEC §13: GitHub errors and rate limits are retried without dispatching twice. Each fault hits the
 * dispatch of a staging deploy; afterwards the local GitHub must hold exactly one run for its deploy_id.
 */
const DISPATCH = { method: 'POST', path: /\/actions\/workflows\/[^/]+\/dispatches$/ };
const FAULTS: { name: string; inject: (github: LocalGitHub) => void }[] = [
  { name: '502 before the run exists', inject: (g) => g.failNextRequest(DISPATCH, 502) },
  { name: '503 twice before the run exists', inject: (g) => g.failNextRequest(DISPATCH, 503, { times: 2 }) },
  { name: '500 after the run exists', inject: (g) => g.failNextRequest(DISPATCH, 500, { after: true }) },
  { name: 'connection reset before the run exists', inject: (g) => g.failNextRequest(DISPATCH, 0) },
  {
    name: 'connection reset after the run exists',
    inject: (g) => g.failNextRequest(DISPATCH, 0, { after: true }),
  },
  { name: 'primary rate limit (403, reset time)', inject: (g) => g.rateLimitNext(1, 'primary') },
  { name: 'secondary rate limit (Retry-After)', inject: (g) => g.rateLimitNext(1, 'secondary') },
  { name: '429 on the dispatch', inject: (g) => g.failNextRequest(DISPATCH, 429) },
  { name: 'late run: the dispatch answer names no run', inject: (g) => g.setDispatchDetails(false) },
];

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const figures = { tried: 0, problems: 0, most: 0 };
afterAll(() => {
  recordFigure('GitHub faults', {
    tried: figures.tried,
    problems: figures.problems,
    detail: { 'most runs per deploy_id': figures.most },
  });
});

describe('GitHub faults: exactly one run per deploy_id', () => {
  it.each(FAULTS.map((f) => [f.name, f] as const))('%s', async (_name, fault) => {
    figures.tried += 1;
    h = await startAppHarness();
    fault.inject(h.github);
    const { progress } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
    }).catch((error: unknown) => ({ progress: { kind: 'refused', error, deploy: undefined } }));
    const runsOf = (id: string) =>
      h!.github
        .runs('example-org/api')
        // The verification's smoke run carries the deploy_id too: only deploy runs count here.
        .filter((r) => r.workflow === 'deploy.yml' && r.inputs.deploy_id === id);
    // Whatever the first answer, the outbox and tracking (as the jobs would) finish the deploy.
    const id =
      progress.deploy?.id ?? (await h.deps.repos.deploys.history({ service: 'api', limit: 1 }))[0]?.id;
    expect(id, `no deploy was recorded (${JSON.stringify(progress).slice(0, 200)})`).toBeDefined();
    for (let i = 0; i < 20 && runsOf(id!).length === 0; i += 1) {
      await sweepOutbox(h.deps);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const done = await trackUntilDone(h.deps, id!, 8_000);
    const runs = runsOf(id!).length;
    figures.most = Math.max(figures.most, runs);
    if (runs !== 1) figures.problems += 1;
    expect(runs).toBe(1);
    expect(done.state).toBe('succeeded');
  });
});
