import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/adapters/github/index.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { sweepOutbox } from '../../src/app/pipeline/worker.js';
import type { LocalGitHub } from '../../src/sandbox/github/index.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { recordFigure } from './figures.js';

/**
 * SPEC §13: GitHub errors and rate limits are retried without dispatching twice. Each fault hits the
 * dispatch of a staging deploy; afterwards the local GitHub must hold exactly one run for its deploy_id.
 */
const DISPATCH = { method: 'POST', path: /\/actions\/workflows\/[^/]+\/dispatches$/ };
/** How long the client waits for an answer in the timeout cases (production: 15 s). */
const CLIENT_TIMEOUT_MS = 400;
interface Fault {
  name: string;
  inject: (github: LocalGitHub) => void;
  /** Client timing for this fault, over the harness's. */
  timing?: { requestTimeoutMs?: number; lookupDelayMs?: number };
}
const SHORT_TIMEOUT = { requestTimeoutMs: CLIENT_TIMEOUT_MS };
const FAULTS: Fault[] = [
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
  // GitHub answers rate limits with 429 too, and then says when to come back (Retry-After).
  { name: 'primary rate limit (429, Retry-After)', inject: (g) => g.rateLimitNext(1, 'primary', 429) },
  {
    name: 'secondary rate limit (429, Retry-After)',
    inject: (g) => g.rateLimitNext(2, 'secondary', 429),
  },
  {
    name: 'timeout: the dispatch hangs before the run exists',
    inject: (g) => g.hangNextRequest(DISPATCH),
    timing: SHORT_TIMEOUT,
  },
  {
    name: 'timeout: the dispatch hangs after the run exists',
    inject: (g) => g.hangNextRequest(DISPATCH, { after: true }),
    timing: SHORT_TIMEOUT,
  },
  {
    // Every try of the first dispatch effect hangs: the outbox tries again a second later, looking first.
    name: 'timeout: the dispatch hangs on all three tries of one effect',
    inject: (g) => {
      for (let i = 0; i < 3; i += 1) g.hangNextRequest(DISPATCH, { after: i === 2 });
    },
    timing: SHORT_TIMEOUT,
  },
  {
    name: 'timeout: the run lookup hangs after a 502 on the dispatch',
    inject: (g) => {
      g.failNextRequest(DISPATCH, 502, { after: true });
      g.hangNextRequest({ method: 'GET', path: /\/runs$/ });
    },
    timing: SHORT_TIMEOUT,
  },
  {
    // The dispatch check looks 3 × 400 ms, so the deploy is recorded as dispatched over a second after
    // GitHub created the run (its created_at is to the second): tracking must still find it.
    name: 'late run: listed only after the dispatch check gave up',
    inject: (g) => {
      g.setDispatchDetails(false);
      g.delayRunListing(1_500);
    },
    timing: { lookupDelayMs: 400 },
  },
];

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const figures = { tried: 0, problems: 0, most: 0, exactlyOne: 0 };
afterAll(() => {
  recordFigure('GitHub faults', {
    tried: figures.tried,
    problems: figures.problems,
    detail: { 'deploys with exactly one run': figures.exactlyOne, 'most runs per deploy_id': figures.most },
  });
});

describe('GitHub faults: exactly one run per deploy_id', () => {
  it.each(FAULTS.map((f) => [f.name, f] as const))(
    '%s',
    async (_name, fault) => {
      figures.tried += 1;
      h = await startAppHarness();
      if (fault.timing) {
        // The same client as the harness's, with this fault's timing.
        (h.deps as { github: AppDeps['github'] }).github = createGitHubClient({
          baseUrl: h.github.url,
          token: 'test-token',
          log: h.deps.log,
          userAgent: 'release-console-tests',
          timing: {
            retryAfterUnitMs: 1,
            backoffUnitMs: 1,
            writeSpacingMs: 0,
            lookupAttempts: 3,
            lookupDelayMs: 20,
            ...fault.timing,
          },
        });
      }
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
      // Until the deploy is recorded as dispatched (a run may exist before that, its answer lost).
      const waiting = async () => (await h!.deps.repos.deploys.get(id!))?.state === 'approved';
      for (let i = 0; i < 60 && (await waiting()); i += 1) {
        await sweepOutbox(h.deps);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const done = await trackUntilDone(h.deps, id!, 8_000);
      const runs = runsOf(id!).length;
      figures.most = Math.max(figures.most, runs);
      if (runs !== 1) figures.problems += 1;
      else figures.exactlyOne += 1;
      expect(runs).toBe(1);
      expect(done.state).toBe('succeeded');
      // The fault did happen: a request got an error, a reset or no answer (late runs: plain answers).
      const hurt = h.github.requests().filter((r) => r.status === 0 || r.status >= 400).length;
      if (fault.name.startsWith('late run')) expect(hurt).toBe(0);
      else expect(hurt).toBeGreaterThan(0);
    },
    20_000,
  );
});
