import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryRepositories } from '../../../src/adapters/memory/repositories.js';
import type { AppDeps } from '../../../src/app/ports/deps.js';
import type {
  CommitSummary,
  GitHubPort,
  IssueCommentInfo,
  PullRequestInfo,
} from '../../../src/app/ports/github.js';
import { boardSnapshot } from '../../../src/app/status/board.js';
import { boardChanged } from '../../../src/app/visibility/board.js';
import { prFeedbackEffect } from '../../../src/app/visibility/pr-feedback.js';
import { MAX_COMMITS_LOOKED_UP, shippedBetween } from '../../../src/app/visibility/shipped.js';
import type { Deploy } from '../../../src/domain/model.js';
import { testConfig } from '../../helpers/app-deps.js';

/** The visibility use-cases with a fake GitHub: the branches the flow through the local GitHub API rarely takes. */

const sha = (n: number): string => n.toString(16).padStart(40, '0');

function fakeGitHub(commits: CommitSummary[]) {
  const calls: string[] = [];
  const comments: (IssueCommentInfo & { number: number })[] = [];
  const github = {
    compare: (_repo: string, base: string, head: string) => {
      calls.push(`compare ${base}...${head}`);
      return Promise.resolve({ commits, aheadBy: commits.length, behindBy: 0, status: 'ahead' as const });
    },
    resolveRef: (_repo: string, ref: string) =>
      Promise.resolve(
        ref === 'missing'
          ? undefined
          : { sha: ref, message: 'feat: only\n\nbody', author: 'alice', date: new Date(0) },
      ),
    pullsOfCommit: (_repo: string, commit: string): Promise<PullRequestInfo[]> => {
      calls.push(`pulls ${commit}`);
      const n = parseInt(commit, 16);
      return Promise.resolve([
        { number: n, title: `feat: ${n}`, author: 'bob', merged: true },
        { number: 10_000 + n, title: 'open one', author: 'bob', merged: false },
      ]);
    },
    listIssueComments: (_repo: string, number: number) =>
      Promise.resolve(comments.filter((c) => c.number === number)),
    createIssueComment: (_repo: string, number: number, body: string) => {
      comments.push({ id: comments.length + 1, number, body, author: 'bot' });
      return Promise.resolve(comments.length);
    },
    updateIssueComment: () => Promise.resolve(),
  } as unknown as GitHubPort;
  return { github, calls, comments };
}

function depsWith(github: GitHubPort, edit: (raw: Record<string, unknown>) => void = () => undefined) {
  const warnings: string[] = [];
  const log = pino({ level: 'silent' });
  const deps = {
    config: testConfig((raw) => {
      raw.freezeWindows = [];
      (raw.services as Record<string, Record<string, unknown>>).api!.prComments = true;
      edit(raw);
    }),
    clock: { now: () => new Date('2026-12-01T10:00:00Z') },
    log: Object.assign(Object.create(log) as typeof log, {
      warn: (_obj: unknown, msg: string) => warnings.push(msg),
    }),
    repos: createMemoryRepositories(),
    github,
  } as unknown as AppDeps;
  return { deps, warnings };
}

const deploy = (over: Partial<Deploy> = {}): Deploy => ({
  id: 'D1',
  kind: 'deploy',
  service: 'api',
  env: 'staging',
  ref: 'main',
  sha: sha(5),
  state: 'succeeded',
  reason: '',
  requestedBy: { id: '1', name: 'alice' },
  createdAt: new Date(0),
  updatedAt: new Date(0),
  rev: 1,
  ...over,
});

describe('shipped range', () => {
  it('a first deploy ships its head commit only; the same SHA ships nothing; an unknown head nothing', async () => {
    const { github, calls } = fakeGitHub([]);
    const { deps } = depsWith(github);
    const first = await shippedBetween(deps, 'o/r', undefined, sha(3));
    expect(first.commits).toEqual([{ sha: sha(3), title: 'feat: only', author: 'alice' }]);
    expect(first.pulls.map((p) => p.number)).toEqual([3]);
    expect((await shippedBetween(deps, 'o/r', sha(3), sha(3))).commits).toEqual([]);
    expect((await shippedBetween(deps, 'o/r', undefined, 'missing')).commits).toEqual([]);
    expect(calls.filter((c) => c.startsWith('compare'))).toEqual([]);
  });

  it('looks up the newest commits of a long range only, and says how many it left', async () => {
    const commits = Array.from({ length: MAX_COMMITS_LOOKED_UP + 5 }, (_, i) => ({
      sha: sha(i + 1),
      title: `c${i}`,
      author: 'a',
    }));
    const { github, calls } = fakeGitHub(commits);
    const { deps } = depsWith(github);
    const shipped = await shippedBetween(deps, 'o/r', sha(999), sha(1000));
    expect(shipped.notLookedUp).toBe(5);
    expect(calls.filter((c) => c.startsWith('pulls'))).toHaveLength(MAX_COMMITS_LOOKED_UP);
    expect(calls).not.toContain(`pulls ${sha(1)}`);
    // Open pull requests are not what shipped.
    expect(shipped.pulls.every((p) => p.number < 10_000)).toBe(true);
  });
});

it('a pull request brought by two commits of the range is listed once', async () => {
  const same = { sha: sha(5), title: 't', author: 'a' };
  const { github } = fakeGitHub([same, same]);
  const { deps } = depsWith(github);
  const shipped = await shippedBetween(deps, 'o/r', sha(1), sha(9));
  expect(shipped.pulls.map((p) => p.number)).toEqual([5]);
});

describe('pull-request feedback branches', () => {
  it('nothing for a deploy that did not succeed, or a rollback that does not say what it took back', async () => {
    const { github, comments } = fakeGitHub([{ sha: sha(5), title: 't', author: 'a' }]);
    const { deps } = depsWith(github);
    await prFeedbackEffect(deps, deploy({ state: 'failed' }));
    await prFeedbackEffect(deps, deploy({ kind: 'rollback' }));
    await prFeedbackEffect(deps, deploy({ kind: 'rollback', rollbackOf: 'DUNKNOWN' }));
    expect(comments).toEqual([]);
  });

  it('a deploy without version or run link still gets its line; a cut range is logged', async () => {
    const { github, comments } = fakeGitHub([
      { sha: sha(5), title: 't', author: 'a' },
      { sha: sha(6), title: 'u', author: 'a' },
    ]);
    const { deps, warnings } = depsWith(github, (raw) => {
      raw.visibility = { maxPullRequests: 1 };
    });
    await prFeedbackEffect(
      deps,
      deploy({ previousSha: sha(4), finishedAt: new Date('2026-12-01T09:00:00Z') }),
    );
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('🚀 Deployed to **staging** (deploy D1)');
    expect(warnings).toEqual(['pull-request feedback cut to its limit']);
  });
});

describe('status board snapshot and dirty marks', () => {
  it('reads what is live and in flight, even without a version or a verification', async () => {
    const { github } = fakeGitHub([]);
    const { deps } = depsWith(github);
    await deps.repos.deploys.create({ ...deploy({ id: 'DLIVE0001' }), state: 'succeeded' });
    await deps.repos.deploys.create({ ...deploy({ id: 'DRUN00001', sha: sha(6) }), state: 'running' });
    const snapshot = await boardSnapshot(deps);
    const staging = snapshot.envs.find((e) => e.service === 'api' && e.env === 'staging');
    expect(staging?.live).toEqual({ deployId: 'DLIVE0001', sha: sha(5), at: new Date(0), kind: 'deploy' });
    expect(staging?.inFlight).toEqual({ deployId: 'DRUN00001', state: 'running' });
    expect(snapshot.maintenance).toBeUndefined();
  });

  it('a board mark that cannot be scheduled is logged, never thrown', async () => {
    const { github } = fakeGitHub([]);
    const { deps, warnings } = depsWith(github);
    const failing = {
      ...deps,
      board: {} as never,
      jobs: { schedule: () => Promise.reject(new Error('mongo down')) },
    } as unknown as AppDeps;
    await boardChanged(failing);
    expect(warnings).toEqual(['could not schedule a status board refresh']);
  });
});
