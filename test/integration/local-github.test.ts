/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- JSON answers are checked by the assertions, not by types */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startLocalGitHub,
  type LocalGitHub,
  type LocalGitHubOptions,
  type LocalRun,
} from '../../src/sandbox/github/index.js';

const REPO = 'example-org/api';
const started: LocalGitHub[] = [];

async function start(options: LocalGitHubOptions = {}): Promise<LocalGitHub> {
  const github = await startLocalGitHub({ timing: { queuedMs: 10, inProgressMs: 20 }, ...options });
  started.push(github);
  return github;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

async function call(
  github: LocalGitHub,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${github.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Resolves with the first completed run matching `id`; bounded by the test timeout. */
function completed(github: LocalGitHub, id?: number): Promise<LocalRun> {
  return new Promise((resolve) => {
    const listener = (run: LocalRun) => {
      if (id !== undefined && run.id !== id) return;
      github.off('runCompleted', listener);
      resolve(run);
    };
    github.on('runCompleted', listener);
  });
}

/** A deploy dispatch with the workflow contract's inputs (the shipped deploy.yml declares them all). */
const dispatch = (github: LocalGitHub, inputs: Record<string, string>, extra: Record<string, unknown> = {}) =>
  call(github, 'POST', `/repos/${REPO}/actions/workflows/deploy.yml/dispatches`, {
    ref: 'main',
    inputs: { environment: 'staging', sha: 'main', version: 'v2025.01.11', ...inputs },
    return_run_details: true,
    ...extra,
  });

describe('local GitHub API: commits and refs', () => {
  it('seeds each repo with a deterministic linear main history of green commits', async () => {
    const a = await start();
    const b = await start();
    const history = a.history(REPO);
    expect(history).toHaveLength(6);
    expect(b.history(REPO)).toEqual(history);
    expect(a.history('example-org/web')).not.toEqual(history);
    const head = await call(a, 'GET', `/repos/${REPO}/commits/main`);
    expect(head.status).toBe(200);
    expect(head.body.sha).toBe(history[0]);
    expect(head.body.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(head.body.commit.message).toMatch(/^(feat|fix|chore|refactor): /);
    expect(head.body.parents[0].sha).toBe(history[1]);
    const status = await call(a, 'GET', `/repos/${REPO}/commits/${history[2]}/status`);
    expect(status.body.state).toBe('success');
    const checks = await call(a, 'GET', `/repos/${REPO}/commits/${history[2]}/check-runs`);
    expect(checks.body.check_runs.map((c: { conclusion: string }) => c.conclusion)).toEqual([
      'success',
      'success',
    ]);
  });

  it('resolves short SHAs and tags, and answers an unknown ref like GitHub', async () => {
    const github = await start();
    const sha = github.history(REPO)[3]!;
    expect((await call(github, 'GET', `/repos/${REPO}/commits/${sha.slice(0, 7)}`)).body.sha).toBe(sha);
    const unknown = await call(github, 'GET', `/repos/${REPO}/commits/nope`);
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('No commit found for SHA: nope');
    expect((await call(github, 'GET', '/repos/example-org/missing/commits/main')).status).toBe(404);
    const ref = await call(github, 'GET', `/repos/${REPO}/git/ref/heads/main`);
    expect(ref.body).toMatchObject({
      ref: 'refs/heads/main',
      object: { sha: github.history(REPO)[0], type: 'commit' },
    });
  });

  it('compares two commits: commits ahead oldest first, behind, identical', async () => {
    const github = await start();
    const [head, , , base] = github.history(REPO);
    const ahead = await call(github, 'GET', `/repos/${REPO}/compare/${base}...${head}`);
    expect(ahead.body).toMatchObject({ status: 'ahead', ahead_by: 3, behind_by: 0, total_commits: 3 });
    expect(ahead.body.commits.map((c: { sha: string }) => c.sha)).toEqual(
      github.history(REPO).slice(0, 3).reverse(),
    );
    const behind = await call(github, 'GET', `/repos/${REPO}/compare/${head}...${base}`);
    expect(behind.body).toMatchObject({ status: 'behind', ahead_by: 0, behind_by: 3, commits: [] });
    expect((await call(github, 'GET', `/repos/${REPO}/compare/main...${head}`)).body.status).toBe(
      'identical',
    );
  });

  it('creates tags once, lists them, and matches refs by prefix', async () => {
    const github = await start();
    const [head, previous] = github.history(REPO);
    const created = await call(github, 'POST', `/repos/${REPO}/git/refs`, {
      ref: 'refs/tags/v2025.01.10',
      sha: head,
    });
    expect(created.status).toBe(201);
    const again = await call(github, 'POST', `/repos/${REPO}/git/refs`, {
      ref: 'refs/tags/v2025.01.10',
      sha: previous,
    });
    expect(again.status).toBe(422);
    expect(again.body.message).toBe('Reference already exists');
    await call(github, 'POST', `/repos/${REPO}/git/refs`, { ref: 'refs/tags/other-1', sha: head });
    const tags = await call(github, 'GET', `/repos/${REPO}/tags`);
    expect(tags.body.map((t: { name: string }) => t.name).sort()).toEqual(['other-1', 'v2025.01.10']);
    const matching = await call(github, 'GET', `/repos/${REPO}/git/matching-refs/tags/v2025`);
    expect(matching.body.map((r: { ref: string }) => r.ref)).toEqual(['refs/tags/v2025.01.10']);
    expect(github.tags(REPO)).toEqual({ 'v2025.01.10': head, 'other-1': head });
  });
});

describe('local GitHub API: workflow runs', () => {
  it('dispatches with run details, names the run after deploy_id and runs it to success', async () => {
    const github = await start();
    const sha = github.history(REPO)[2]!;
    const done = completed(github);
    const answer = await dispatch(github, {
      deploy_id: 'D1TEST01',
      sha,
      environment: 'staging',
      version: 'v1',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      workflow_run_id: expect.any(Number),
      run_url: `${github.url}/repos/${REPO}/actions/runs/${answer.body.workflow_run_id}`,
      html_url: `https://github.com/${REPO}/actions/runs/${answer.body.workflow_run_id}`,
    });
    const run = (await call(github, 'GET', `/repos/${REPO}/actions/runs/${answer.body.workflow_run_id}`))
      .body;
    expect(run).toMatchObject({
      name: 'deploy D1TEST01',
      display_title: 'deploy D1TEST01',
      event: 'workflow_dispatch',
      head_sha: sha,
    });
    const finished = await done;
    expect(finished).toMatchObject({
      id: answer.body.workflow_run_id,
      status: 'completed',
      conclusion: 'success',
    });
  });

  it('answers 204 without run details, or when told to behave like GitHub before 2025', async () => {
    const github = await start();
    const plain = await call(github, 'POST', `/repos/${REPO}/actions/workflows/deploy.yml/dispatches`, {
      ref: 'main',
      inputs: { environment: 'staging', sha: 'main', version: 'v1', deploy_id: 'P' },
    });
    expect(plain.status).toBe(204);
    github.setDispatchDetails(false);
    expect((await dispatch(github, { deploy_id: 'X' })).status).toBe(204);
    expect(github.runs(REPO)).toHaveLength(2);
    const unknown = await call(github, 'POST', `/repos/${REPO}/actions/workflows/nope.yml/dispatches`, {
      ref: 'main',
    });
    expect(unknown.status).toBe(404);
    expect(github.runs(REPO)).toHaveLength(2);
  });

  it('fails the next run on demand, only that one', async () => {
    const github = await start();
    github.failNext(REPO, 'deploy.yml');
    const first = completed(github);
    await dispatch(github, { deploy_id: 'F1' });
    expect((await first).conclusion).toBe('failure');
    const second = completed(github);
    await dispatch(github, { deploy_id: 'F2' });
    expect((await second).conclusion).toBe('success');
  });

  it('holds runs in progress until released, cancels and re-runs them', async () => {
    const github = await start();
    github.holdRuns(true);
    const inProgress = new Promise<void>((resolve) => {
      github.on('runUpdated', (_run, action) => {
        if (action === 'in_progress') resolve();
      });
    });
    const { body } = await dispatch(github, { deploy_id: 'H1' });
    await inProgress;
    // Many times the in-progress delay later, it is still running.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(github.runs(REPO)[0]!.status).toBe('in_progress');
    const cancel = await call(github, 'POST', `/repos/${REPO}/actions/runs/${body.workflow_run_id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(github.runs(REPO)[0]).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(
      (await call(github, 'POST', `/repos/${REPO}/actions/runs/${body.workflow_run_id}/cancel`)).status,
    ).toBe(409);
    github.holdRuns(false);
    const rerun = await call(github, 'POST', `/repos/${REPO}/actions/runs/${body.workflow_run_id}/rerun`);
    expect(rerun.status).toBe(201);
    expect(github.runs(REPO)[0]).toMatchObject({ status: 'queued', runAttempt: 2, conclusion: null });
    expect((await completed(github, body.workflow_run_id)).conclusion).toBe('success');
  });

  it('lists runs newest first with event, status and created filters', async () => {
    const github = await start();
    github.holdRuns(true);
    await dispatch(github, { deploy_id: 'L1' });
    await dispatch(github, { deploy_id: 'L2' });
    await call(github, 'POST', `/repos/${REPO}/actions/workflows/smoke.yml/dispatches`, {
      ref: 'main',
      inputs: { environment: 'staging', sha: 'main', deploy_id: 'S1' },
    });
    const all = await call(github, 'GET', `/repos/${REPO}/actions/runs?event=workflow_dispatch`);
    expect(all.body.total_count).toBe(3);
    expect(all.body.workflow_runs.map((r: { name: string }) => r.name)).toEqual([
      'smoke S1',
      'deploy L2',
      'deploy L1',
    ]);
    const deploys = await call(github, 'GET', `/repos/${REPO}/actions/workflows/deploy.yml/runs?per_page=1`);
    expect(deploys.body.total_count).toBe(2);
    expect(deploys.body.workflow_runs).toHaveLength(1);
    expect(deploys.headers.get('link')).toContain('rel="next"');
    expect((await call(github, 'GET', `/repos/${REPO}/actions/runs?event=push`)).body.total_count).toBe(0);
    expect((await call(github, 'GET', `/repos/${REPO}/actions/runs?status=completed`)).body.total_count).toBe(
      0,
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await call(github, 'GET', `/repos/${REPO}/actions/runs?created=${encodeURIComponent(`>=${future}`)}`))
        .body.total_count,
    ).toBe(0);
    expect(
      (
        await call(
          github,
          'GET',
          `/repos/${REPO}/actions/runs?created=${encodeURIComponent('>=2020-01-01T00:00:00Z')}`,
        )
      ).body.total_count,
    ).toBe(3);
  });
});

describe('local GitHub API: deployments', () => {
  it('creates deployments and statuses, and a success makes the previous one inactive', async () => {
    const github = await start();
    const [head, older] = github.history(REPO);
    const first = await call(github, 'POST', `/repos/${REPO}/deployments`, {
      ref: older,
      environment: 'prod',
      required_contexts: [],
      auto_merge: false,
      payload: { deployId: 'A' },
      description: 'first',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      sha: older,
      environment: 'prod',
      payload: { deployId: 'A' },
      description: 'first',
    });
    await call(github, 'POST', `/repos/${REPO}/deployments/${first.body.id}/statuses`, {
      state: 'success',
      log_url: 'https://x/log',
    });
    const second = await call(github, 'POST', `/repos/${REPO}/deployments`, {
      ref: head,
      environment: 'prod',
      required_contexts: [],
    });
    const status = await call(github, 'POST', `/repos/${REPO}/deployments/${second.body.id}/statuses`, {
      state: 'in_progress',
      log_url: 'https://x/run',
      environment_url: 'https://api.example',
      description: 'running',
    });
    expect(status.status).toBe(201);
    expect(status.body).toMatchObject({
      state: 'in_progress',
      log_url: 'https://x/run',
      environment_url: 'https://api.example',
    });
    await call(github, 'POST', `/repos/${REPO}/deployments/${second.body.id}/statuses`, { state: 'success' });
    expect(github.deployments(REPO)).toEqual([
      { id: first.body.id, sha: older, environment: 'prod', states: ['success', 'inactive'] },
      { id: second.body.id, sha: head, environment: 'prod', states: ['in_progress', 'success'] },
    ]);
    const listed = await call(github, 'GET', `/repos/${REPO}/deployments?environment=prod`);
    expect(listed.body.map((d: { id: number }) => d.id)).toEqual([second.body.id, first.body.id]);
    const statuses = await call(github, 'GET', `/repos/${REPO}/deployments/${second.body.id}/statuses`);
    expect(statuses.body.map((s: { state: string }) => s.state)).toEqual(['success', 'in_progress']);
    expect(
      (
        await call(github, 'POST', `/repos/${REPO}/deployments/${second.body.id}/statuses`, {
          state: 'bogus',
        })
      ).status,
    ).toBe(422);
  });

  it('refuses a deployment of a commit whose CI is not green unless required_contexts is empty', async () => {
    const github = await start();
    const sha = github.addCommit(REPO, 'feat: red', { ci: 'failure' });
    expect(
      (await call(github, 'POST', `/repos/${REPO}/deployments`, { ref: sha, environment: 'staging' })).status,
    ).toBe(409);
    expect(
      (
        await call(github, 'POST', `/repos/${REPO}/deployments`, {
          ref: sha,
          environment: 'staging',
          required_contexts: [],
        })
      ).status,
    ).toBe(201);
  });
});

describe('local GitHub API: rate limits, auth, failures, recording', () => {
  it('sends rate-limit headers on every answer and counts each request', async () => {
    const github = await start();
    const first = await call(github, 'GET', `/repos/${REPO}/commits/main`);
    const second = await call(github, 'GET', `/repos/${REPO}/commits/nope`);
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(first.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(
      Number(first.headers.get('x-ratelimit-remaining')) - 1,
    );
    expect(Number(second.headers.get('x-ratelimit-used'))).toBe(2);
    const limits = await call(github, 'GET', '/rate_limit');
    expect(limits.body.resources.core).toMatchObject({ limit: 5000, remaining: 4998, used: 2 });
  });

  it('answers 304 for an unchanged run and counts it as not modified', async () => {
    const github = await start();
    github.holdRuns(true);
    const { body } = await dispatch(github, { deploy_id: 'E2' });
    await new Promise<void>((resolve) =>
      github.on('runUpdated', (_r, a) => {
        if (a === 'in_progress') resolve();
      }),
    );
    const path = `/repos/${REPO}/actions/runs/${body.workflow_run_id}`;
    const first = await call(github, 'GET', path);
    const before = Number(first.headers.get('x-ratelimit-remaining'));
    const again = await fetch(`${github.url}${path}`, {
      headers: { 'if-none-match': first.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect(Number(again.headers.get('x-ratelimit-remaining'))).toBe(before);
    expect(github.requests().at(-1)).toMatchObject({ method: 'GET', path, status: 304, notModified: true });
    github.resetRequests();
    expect(github.requests()).toEqual([]);
  });

  it('answers 403 rate-limit shapes on demand, then serves again', async () => {
    const github = await start();
    github.rateLimitNext(1);
    const primary = await call(github, 'GET', `/repos/${REPO}/commits/main`);
    expect(primary.status).toBe(403);
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(primary.body.message).toMatch(/rate limit exceeded/);
    github.rateLimitNext(1, 'secondary');
    const secondary = await call(github, 'GET', `/repos/${REPO}/commits/main`);
    expect(secondary.status).toBe(403);
    expect(secondary.headers.get('retry-after')).toBe('1');
    expect(secondary.body.message).toMatch(/secondary rate limit/);
    expect((await call(github, 'GET', `/repos/${REPO}/commits/main`)).status).toBe(200);
  });

  it('fails a matching request with a 5xx, before or after it took effect', async () => {
    const github = await start();
    github.failNextRequest({ method: 'POST', path: /\/dispatches$/ }, 502);
    expect((await dispatch(github, { deploy_id: 'B' })).status).toBe(502);
    expect(github.runs(REPO)).toHaveLength(0);
    github.failNextRequest({ method: 'POST', path: /\/dispatches$/ }, 500, { after: true });
    expect((await dispatch(github, { deploy_id: 'A' })).status).toBe(500);
    expect(github.runs(REPO).map((r) => r.name)).toEqual(['deploy A']);
    expect(github.requests().map((r) => r.status)).toEqual([502, 500]);
  });

  it('requires the configured token and answers Bad credentials otherwise', async () => {
    const github = await start({ token: 'good-token' });
    const bad = await call(github, 'GET', `/repos/${REPO}/commits/main`, undefined, {
      authorization: 'token wrong',
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({
      message: 'Bad credentials',
      documentation_url: expect.stringContaining('docs.github.com'),
    });
    expect((await call(github, 'GET', `/repos/${REPO}/commits/main`)).status).toBe(401);
    expect(
      (
        await call(github, 'GET', `/repos/${REPO}/commits/main`, undefined, {
          authorization: 'Bearer good-token',
        })
      ).status,
    ).toBe(200);
  });

  it('sends signed workflow_run webhooks for requested, in_progress and completed', async () => {
    const received: { event: string; action: string; valid: boolean; delivery: string }[] = [];
    const secret = 'webhook-secret-1';
    const receiver = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
        received.push({
          event: String(req.headers['x-github-event']),
          action: JSON.parse(body).action,
          valid: req.headers['x-hub-signature-256'] === expected,
          delivery: String(req.headers['x-github-delivery']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const github = await start({ webhook: { url: `http://127.0.0.1:${port}/github/webhook`, secret } });
      const done = completed(github);
      await dispatch(github, { deploy_id: 'W1' });
      await done;
      await github.close();
      expect(received.map((r) => [r.event, r.action, r.valid])).toEqual([
        ['workflow_run', 'requested', true],
        ['workflow_run', 'in_progress', true],
        ['workflow_run', 'completed', true],
      ]);
      expect(new Set(received.map((r) => r.delivery)).size).toBe(3);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
