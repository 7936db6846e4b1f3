import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/adapters/github/index.js';
import { GitHubError, type GitHubPort } from '../../src/app/ports/github.js';
import { createLogger } from '../../src/logger.js';
import { startLocalGitHub, type LocalGitHub, type LocalRun } from '../../src/sandbox/github/index.js';

const REPO = 'example-org/api';
const TOKEN = 'ghp_testtoken0123456789abcdef';
const log = createLogger({ level: 'silent' });
const fast = {
  retryAfterUnitMs: 1,
  backoffUnitMs: 5,
  writeSpacingMs: 0,
  lookupAttempts: 3,
  lookupDelayMs: 20,
};

let github: LocalGitHub;
let client: GitHubPort;

const clientFor = (url: string, token = TOKEN) =>
  createGitHubClient({ baseUrl: url, token, log, userAgent: 'release-console-test', timing: fast });

beforeAll(async () => {
  github = await startLocalGitHub({ token: TOKEN, timing: { queuedMs: 10, inProgressMs: 30 } });
  client = clientFor(github.url);
});
afterAll(async () => {
  await github.close();
});
beforeEach(() => {
  github.holdRuns(false);
  github.setDispatchDetails(true);
  github.resetRequests();
});

const dispatches = () =>
  github.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/dispatches'));
const runsNamed = (deployId: string) => github.runs(REPO).filter((r) => r.inputs.deploy_id === deployId);
const inputs = (deployId: string, sha: string) => ({
  environment: 'staging',
  sha,
  version: 'v2025.01.10',
  deploy_id: deployId,
});

function completed(id: number): Promise<LocalRun> {
  return new Promise((resolve) => {
    const listener = (run: LocalRun) => {
      if (run.id !== id) return;
      github.off('runCompleted', listener);
      resolve(run);
    };
    github.on('runCompleted', listener);
  });
}

async function rejection(promise: Promise<unknown>): Promise<GitHubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubError);
  return error as GitHubError;
}

describe('GitHub adapter: commits', () => {
  it('resolves a branch, a short SHA, and nothing for an unknown ref', async () => {
    const [head, , third] = github.history(REPO);
    const main = await client.resolveRef(REPO, 'main');
    expect(main).toMatchObject({ sha: head, author: expect.any(String) });
    expect(main?.message).toMatch(/^feat: /);
    expect(main?.date).toBeInstanceOf(Date);
    expect(main?.date.getUTCFullYear()).toBe(2025);
    expect((await client.resolveRef(REPO, third!.slice(0, 8)))?.sha).toBe(third);
    expect(await client.resolveRef(REPO, 'no-such-branch')).toBeUndefined();
  });

  it('compares the running SHA with the new one: commit titles oldest first', async () => {
    const history = github.history(REPO);
    const comparison = await client.compare(REPO, history[3]!, history[0]!);
    expect(comparison).toMatchObject({ aheadBy: 3, behindBy: 0, status: 'ahead' });
    expect(comparison.commits.map((c) => c.sha)).toEqual(history.slice(0, 3).reverse());
    expect(comparison.commits[0]?.title).toBe('feat: add rate limiting to the public API');
  });

  it('combines commit statuses and check runs into one CI verdict', async () => {
    const [head] = github.history(REPO);
    expect(await client.ciStatus(REPO, head!)).toEqual({ state: 'success', summary: '4/4 checks passed' });
    const red = github.addCommit(REPO, 'fix: broken', { ci: 'failure' });
    expect((await client.ciStatus(REPO, red)).state).toBe('failure');
    const running = github.addCommit(REPO, 'fix: running', { ci: 'pending' });
    expect((await client.ciStatus(REPO, running)).state).toBe('pending');
    const none = github.addCommit(REPO, 'chore: no ci');
    github.setCiState(REPO, none, 'none');
    expect(await client.ciStatus(REPO, none)).toEqual({ state: 'none', summary: 'no CI checks reported' });
  });
});

describe('GitHub adapter: dispatch and runs', () => {
  it('dispatches with run details and reads the run', async () => {
    const sha = github.history(REPO)[1]!;
    const result = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: inputs('DAPI0001', sha),
    });
    expect(result.runId).toBe(runsNamed('DAPI0001')[0]?.id);
    expect(result.runUrl).toBe(`https://github.com/${REPO}/actions/runs/${result.runId}`);
    const read = await client.getRun(REPO, result.runId!);
    expect(read.notModified).toBe(false);
    if (read.notModified) return;
    expect(read.run).toMatchObject({
      id: result.runId,
      headSha: sha,
      name: 'deploy DAPI0001',
      runAttempt: 1,
    });
  });

  it('finds the run by deploy_id when GitHub answers 204 without details', async () => {
    github.setDispatchDetails(false);
    const sha = github.history(REPO)[0]!;
    const result = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: inputs('DNODET01', sha),
    });
    const runs = runsNamed('DNODET01');
    expect(runs).toHaveLength(1);
    expect(result).toEqual({
      runId: runs[0]!.id,
      runUrl: `https://github.com/${REPO}/actions/runs/${runs[0]!.id}`,
    });
  });

  it('does not run the workflow twice when a 5xx hides a dispatch that happened', async () => {
    github.failNextRequest({ method: 'POST', path: /\/dispatches$/ }, 502, { after: true });
    const sha = github.history(REPO)[0]!;
    const result = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: inputs('D5XXAFT1', sha),
    });
    expect(runsNamed('D5XXAFT1')).toHaveLength(1);
    expect(result.runId).toBe(runsNamed('D5XXAFT1')[0]?.id);
    expect(dispatches()).toHaveLength(1);
  });

  it('dispatches again after a 5xx that never reached the workflow, once', async () => {
    github.failNextRequest({ method: 'POST', path: /\/dispatches$/ }, 503);
    const sha = github.history(REPO)[0]!;
    const result = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: inputs('D5XXBEF1', sha),
    });
    expect(runsNamed('D5XXBEF1')).toHaveLength(1);
    expect(result.runId).toBe(runsNamed('D5XXBEF1')[0]?.id);
    expect(dispatches().map((r) => r.status)).toEqual([503, 200]);
  });

  it('gives up with a clear error when GitHub keeps failing, without a run', async () => {
    github.failNextRequest({ method: 'POST', path: /\/dispatches$/ }, 500, { times: 3 });
    const error = await rejection(
      client.dispatch(REPO, 'deploy.yml', {
        ref: 'main',
        inputs: inputs('DDOWN001', github.history(REPO)[0]!),
      }),
    );
    expect(error).toMatchObject({ kind: 'unavailable', status: 500 });
    expect(error.message).toBe(`GitHub is unavailable (500) to dispatch deploy.yml on ${REPO}`);
    expect(runsNamed('DDOWN001')).toHaveLength(0);
    expect(dispatches()).toHaveLength(3);
  });

  it('does not retry a dispatch GitHub refused (unknown workflow)', async () => {
    const error = await rejection(
      client.dispatch(REPO, 'nope.yml', { ref: 'main', inputs: inputs('DNOWF001', 'x') }),
    );
    expect(error.kind).toBe('not_found');
    expect(dispatches()).toHaveLength(1);
  });

  it('finds a run by deploy_id only as a whole word and only since the given time', async () => {
    const sha = github.history(REPO)[0]!;
    await client.dispatch(REPO, 'deploy.yml', { ref: 'main', inputs: inputs('DWORD0012', sha) });
    expect(
      await client.findRunByDeployId(REPO, 'deploy.yml', 'DWORD001', new Date(Date.now() - 60_000)),
    ).toBeUndefined();
    expect(
      (await client.findRunByDeployId(REPO, 'deploy.yml', 'DWORD0012', new Date(Date.now() - 60_000)))?.name,
    ).toBe('deploy DWORD0012');
    expect(
      await client.findRunByDeployId(REPO, 'deploy.yml', 'DWORD0012', new Date(Date.now() + 60_000)),
    ).toBeUndefined();
    expect(
      await client.findRunByDeployId(REPO, 'smoke.yml', 'DWORD0012', new Date(Date.now() - 60_000)),
    ).toBeUndefined();
  });

  it('reads an unchanged run as notModified with its ETag, and a changed one in full', async () => {
    github.holdRuns(true);
    const { runId } = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: inputs('DETAG001', github.history(REPO)[0]!),
    });
    const inProgress = new Promise<void>((resolve) => {
      const check = () => {
        if (github.runs(REPO).find((r) => r.id === runId)?.status === 'in_progress') resolve();
        else setTimeout(check, 5);
      };
      check();
    });
    await inProgress;
    const first = await client.getRun(REPO, runId!);
    if (first.notModified) throw new Error('first read cannot be notModified');
    expect(first.run.status).toBe('in_progress');
    expect(first.etag).toBeTruthy();
    const remaining = (await client.rateLimit()).remaining;
    expect(await client.getRun(REPO, runId!, first.etag)).toEqual({ notModified: true });
    expect((await client.rateLimit()).remaining).toBe(remaining);
    const done = completed(runId!);
    github.holdRuns(false);
    await done;
    const changed = await client.getRun(REPO, runId!, first.etag);
    expect(changed).toMatchObject({
      notModified: false,
      run: { status: 'completed', conclusion: 'success' },
    });
  });

  it('cancels and re-runs a run', async () => {
    github.holdRuns(true);
    const { runId } = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: inputs('DCANCEL1', github.history(REPO)[0]!),
    });
    await client.cancelRun(REPO, runId!);
    expect(github.runs(REPO).find((r) => r.id === runId)).toMatchObject({
      status: 'completed',
      conclusion: 'cancelled',
    });
    await client.rerunRun(REPO, runId!);
    const read = await client.getRun(REPO, runId!);
    expect(read).toMatchObject({ notModified: false, run: { runAttempt: 2, conclusion: null } });
    const error = await rejection(client.rerunRun(REPO, runId!));
    expect(error.kind).toBe('forbidden');
  });
});

describe('GitHub adapter: deployments and tags', () => {
  it('creates a deployment and follows it with statuses', async () => {
    const sha = github.history(REPO)[0]!;
    const id = await client.createDeployment(REPO, {
      sha,
      environment: 'prod',
      description: 'deploy DDEP0001',
      payload: { deployId: 'DDEP0001' },
    });
    await client.createDeploymentStatus(REPO, id, {
      state: 'in_progress',
      logUrl: 'https://github.com/run/1',
      description: 'running',
    });
    await client.createDeploymentStatus(REPO, id, {
      state: 'success',
      logUrl: 'https://github.com/run/1',
      environmentUrl: 'https://api.example.org',
    });
    expect(github.deployments(REPO).find((d) => d.id === id)).toEqual({
      id,
      sha,
      environment: 'prod',
      states: ['in_progress', 'success'],
    });
    const error = await rejection(client.createDeploymentStatus(REPO, 999, { state: 'success' }));
    expect(error.kind).toBe('not_found');
  });

  it('creates a tag idempotently and refuses one that points elsewhere', async () => {
    const [head, previous] = github.history('example-org/web');
    await client.createTag('example-org/web', 'v2025.01.10', head!);
    await client.createTag('example-org/web', 'v2025.01.10', head!);
    expect(github.tags('example-org/web')).toEqual({ 'v2025.01.10': head });
    const error = await rejection(client.createTag('example-org/web', 'v2025.01.10', previous!));
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain(head!.slice(0, 7));
  });

  it('asks for an unchanged tag list with its ETag (a 304), and sees a new tag at once', async () => {
    const sha = github.history(REPO)[0]!;
    await client.createTag(REPO, 'v2030.01.01', sha);
    expect(await client.listTags(REPO, 'v2030.01.01')).toEqual(['v2030.01.01']);
    github.resetRequests();
    expect(await client.listTags(REPO, 'v2030.01.01')).toEqual(['v2030.01.01']);
    expect(github.requests().map((r) => r.notModified)).toEqual([true]);
    await client.createTag(REPO, 'v2030.01.01-patch1', sha);
    expect(await client.listTags(REPO, 'v2030.01.01')).toEqual(['v2030.01.01', 'v2030.01.01-patch1']);
  });

  it('lists every tag with a prefix, across pages', async () => {
    const sha = github.history(REPO)[0]!;
    for (let day = 1; day <= 105; day++)
      await client.createTag(REPO, `v2024.${String(day).padStart(3, '0')}`, sha);
    await client.createTag(REPO, 'release-1', sha);
    const tags = await client.listTags(REPO, 'v2024.');
    expect(tags).toHaveLength(105);
    expect(tags).toContain('v2024.105');
    expect(github.requests().filter((r) => r.path.includes('matching-refs')).length).toBe(2);
    expect(await client.listTags(REPO, 'release-')).toEqual(['release-1']);
  });
});

describe('GitHub adapter: limits, credentials and bad answers', () => {
  it('retries a primary rate limit answer up to twice, then reports it', async () => {
    github.rateLimitNext(2);
    expect((await client.resolveRef(REPO, 'main'))?.sha).toBe(github.history(REPO)[0]);
    expect(github.requests().map((r) => r.status)).toEqual([403, 403, 200]);
    github.resetRequests();
    github.rateLimitNext(3);
    const error = await rejection(client.compare(REPO, 'main', 'main'));
    expect(error.kind).toBe('rate_limited');
    expect(github.requests().map((r) => r.status)).toEqual([403, 403, 403]);
  });

  it('retries a secondary rate limit, including on dispatch (GitHub did not run it)', async () => {
    github.rateLimitNext(1, 'secondary');
    const { runId } = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: inputs('DSECOND1', github.history(REPO)[0]!),
    });
    expect(runsNamed('DSECOND1').map((r) => r.id)).toEqual([runId]);
    expect(dispatches().map((r) => r.status)).toEqual([403, 200]);
  });

  it('retries a 5xx on a read with backoff', async () => {
    github.failNextRequest({ method: 'GET', path: /\/commits\/main$/ }, 502, { times: 2 });
    expect((await client.resolveRef(REPO, 'main'))?.sha).toBe(github.history(REPO)[0]);
    expect(github.requests().map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('reports the rate limit left', async () => {
    const limit = await client.rateLimit();
    expect(limit.limit).toBe(5000);
    expect(limit.remaining).toBeLessThan(5000);
    expect(limit.resetAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('checks credentials: a bad token is a problem with its fix, and errors never carry the token', async () => {
    expect(await client.credentialStatus()).toEqual({ ok: true, problems: [] });
    const wrong = clientFor(github.url, 'ghp_wrongtoken_abcdefghijklmnop');
    const status = await wrong.credentialStatus();
    expect(status.ok).toBe(false);
    expect(status.problems).toEqual([
      'GitHub refuses GITHUB_TOKEN (expired or revoked): create a new token and set GITHUB_TOKEN',
    ]);
    const error = await rejection(wrong.resolveRef(REPO, 'main'));
    expect(error.kind).toBe('bad_credentials');
    expect(`${error.message} ${error.stack ?? ''}`).not.toContain('ghp_wrongtoken');
  });

  it('turns a malformed answer into a clear GitHubError', async () => {
    const liar = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        req.url?.includes('/actions/runs/')
          ? JSON.stringify({ id: 'not-a-number' })
          : JSON.stringify({ sha: 'short', commit: {} }),
      );
    });
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const bad = clientFor(`http://127.0.0.1:${(liar.address() as AddressInfo).port}`);
      const commit = await rejection(bad.resolveRef(REPO, 'main'));
      expect(commit.kind).toBe('invalid_response');
      expect(commit.message).toMatch(
        /^GitHub sent an unexpected answer to resolve main in example-org\/api \(sha: /,
      );
      expect((await rejection(bad.getRun(REPO, 1))).kind).toBe('invalid_response');
    } finally {
      liar.closeAllConnections();
      await new Promise((resolve) => liar.close(resolve));
    }
  });
});
