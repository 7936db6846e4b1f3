import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler } from '../../src/adapters/http/github-webhook.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { trackActiveDeploys } from '../../src/app/deploys/track.js';
import type { Deploy } from '../../src/domain/model.js';
import { webhookSignature } from '../../src/sandbox/github/index.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';

const SECRET = 'webhook-test-secret';

let h: AppHarness;
let handle: ReturnType<typeof createGitHubWebhookHandler>;
beforeEach(async () => {
  h = await startAppHarness();
  // Runs stay in progress on the local GitHub: only the webhook can finish the deploy.
  h.github.holdRuns(true);
  handle = createGitHubWebhookHandler(h.deps, SECRET);
});
afterEach(async () => {
  h.github.holdRuns(false);
  await h.close();
});

/** A GitHub-shaped `workflow_run` payload for the run of `deploy`. */
function workflowRunPayload(
  deploy: Deploy,
  run: { id: number; name: string },
  overrides: { action?: string; status?: string; conclusion?: string | null } = {},
): string {
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return JSON.stringify({
    action: overrides.action ?? 'completed',
    workflow_run: {
      id: run.id,
      name: run.name,
      display_title: run.name,
      status: overrides.status ?? 'completed',
      conclusion: overrides.conclusion === undefined ? 'success' : overrides.conclusion,
      html_url: `https://github.com/example-org/api/actions/runs/${run.id}`,
      head_sha: deploy.sha,
      created_at: at,
      updated_at: at,
      run_attempt: 1,
    },
    repository: { full_name: 'example-org/api' },
  });
}

function headers(
  body: string,
  options: { event?: string; signature?: string | null } = {},
): IncomingHttpHeaders {
  const signature =
    options.signature === undefined ? webhookSignature(SECRET, body) : (options.signature ?? undefined);
  return {
    'content-type': 'application/json',
    'x-github-event': options.event ?? 'workflow_run',
    'x-github-delivery': randomUUID(),
    ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
  };
}

/** Requests made to the local GitHub after `from` that read or list workflow runs (what polling does). */
function runReads(from: number): string[] {
  return h.github
    .requests()
    .slice(from)
    .filter((r) => r.method === 'GET' && /\/actions\/(workflows\/[^/]+\/)?runs(\/\d+)?$/.test(r.path))
    .map((r) => `${r.method} ${r.path}`);
}

async function stagingDeploy(): Promise<{ deploy: Deploy; runId: number; runName: string }> {
  const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
  expect(progress.kind).toBe('dispatched');
  const deploy = progress.deploy;
  expect(deploy.runId).toBeDefined();
  const run = h.github.runs('example-org/api').find((r) => r.id === deploy.runId);
  expect(run?.inputs.deploy_id).toBe(deploy.id);
  expect(run?.name).toContain(deploy.id);
  return { deploy, runId: deploy.runId ?? 0, runName: run?.name ?? '' };
}

async function stateOf(id: string): Promise<Deploy | undefined> {
  return h.deps.repos.deploys.get(id);
}

describe('GitHub workflow_run webhook (signed deliveries, local GitHub API)', () => {
  it('finishes a deploy from a signed completed run without polling, once, and refuses bad deliveries', async () => {
    const { deploy, runId, runName } = await stagingDeploy();
    const afterDispatch = h.github.requests().length;
    const body = workflowRunPayload(deploy, { id: runId, name: runName });

    // Refused before anything is read: a wrong secret, a body changed after signing, no signature at all.
    expect(
      await handle(headers(body, { signature: webhookSignature('not-the-secret', body) }), body),
    ).toEqual({
      status: 401,
      body: 'bad signature',
    });
    const tampered = workflowRunPayload(deploy, { id: runId, name: runName }, { conclusion: 'failure' });
    expect((await handle(headers(body), tampered)).status).toBe(401);
    expect((await handle(headers(body, { signature: null }), body)).status).toBe(401);
    expect((await handle(headers(body, { signature: 'sha256=' }), body)).status).toBe(401);
    expect((await stateOf(deploy.id))?.state).toBe('dispatched');
    expect(h.told.markers).toEqual([]);

    const applied = await handle(headers(body), body);
    expect(applied).toEqual({ status: 202, body: 'applied' });
    const done = await stateOf(deploy.id);
    expect(done?.state).toBe('succeeded');
    expect(done?.runUrl).toBe(`https://github.com/example-org/api/actions/runs/${runId}`);
    expect(h.told.markers.map((m) => m.id)).toEqual([deploy.id]);
    expect(h.events.finished).toEqual(['api/staging:succeeded']);
    expect(runReads(afterDispatch)).toEqual([]);
    // The local run is still held in progress: the success came from the delivery alone.
    expect(h.github.runs('example-org/api').find((r) => r.id === runId)?.status).toBe('in_progress');

    // GitHub redelivers: the same event again changes nothing.
    const again = await handle(headers(body), body);
    expect(again.status).toBe(202);
    expect(await stateOf(deploy.id)).toEqual(done);
    expect(h.told.markers).toHaveLength(1);
    expect(h.events.finished).toHaveLength(1);

    // A bad signature after the fact changes nothing either (a forged "failure" for a finished deploy).
    const forged = workflowRunPayload(deploy, { id: runId, name: runName }, { conclusion: 'failure' });
    expect((await handle(headers(forged, { signature: webhookSignature('x', forged) }), forged)).status).toBe(
      401,
    );
    expect(await stateOf(deploy.id)).toEqual(done);
    expect(runReads(afterDispatch)).toEqual([]);
  });

  it('acknowledges other events without acting, and answers a malformed signed body 400', async () => {
    const { deploy, runId, runName } = await stagingDeploy();
    // push, check_suite and status are continuous delivery's (test/integration/continuous-delivery.test.ts).
    const issue = JSON.stringify({ action: 'opened', issue: { number: 1 } });
    expect(await handle(headers(issue, { event: 'issues' }), issue)).toEqual({
      status: 202,
      body: 'ignored',
    });
    // A workflow_run-looking body sent as another event is still ignored.
    const body = workflowRunPayload(deploy, { id: runId, name: runName });
    expect(await handle(headers(body, { event: 'check_run' }), body)).toEqual({
      status: 202,
      body: 'ignored',
    });

    const broken = '{"action":"completed","workflow_run":';
    expect((await handle(headers(broken), broken)).status).toBe(400);
    const wrongShape = JSON.stringify({ action: 'completed', workflow_run: { id: 'not-a-number' } });
    expect((await handle(headers(wrongShape), wrongShape)).status).toBe(400);

    expect((await stateOf(deploy.id))?.state).toBe('dispatched');
    expect(h.told.markers).toEqual([]);

    // The no-polling check above can fail: one tracker pass is seen as a run read.
    const before = h.github.requests().length;
    await trackActiveDeploys(h.deps);
    expect(runReads(before)).toEqual([`GET /repos/example-org/api/actions/runs/${runId}`]);
  });

  it('moves a dispatched deploy to running on an in-progress event, then finishes it on completion', async () => {
    const { deploy, runId, runName } = await stagingDeploy();
    const running = workflowRunPayload(
      deploy,
      { id: runId, name: runName },
      { action: 'in_progress', status: 'in_progress', conclusion: null },
    );
    expect(await handle(headers(running), running)).toEqual({ status: 202, body: 'applied' });
    expect((await stateOf(deploy.id))?.state).toBe('running');
    expect(h.told.progress.filter((p) => p.deployId === deploy.id).map((p) => p.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/in progress/)]),
    );

    const failed = workflowRunPayload(deploy, { id: runId, name: runName }, { conclusion: 'failure' });
    expect((await handle(headers(failed), failed)).body).toBe('applied');
    const done = await stateOf(deploy.id);
    expect(done?.state).toBe('failed');
    expect(done?.outcomeReason).toMatch(/failure/);
    expect(h.told.markers).toEqual([]);
  });

  it('matches a run to a deploy without a run id by the deploy id in its name (same SHA only)', async () => {
    const { deploy: real } = await stagingDeploy();
    // A deploy whose dispatch answer carried no run id and whose run was not found yet (a 204 dispatch).
    const id = 'D0WEBH00K';
    expect(id).toMatch(/^D[0-9A-HJKMNP-TV-Z]{8}$/);
    const created = await h.deps.repos.deploys.create({
      id,
      kind: 'deploy',
      service: 'api',
      env: 'staging',
      ref: real.ref,
      sha: real.sha,
      state: 'dispatched',
      reason: 'dispatched without run details',
      requestedBy: { id: people.alice.id, name: people.alice.name },
      createdAt: new Date(),
      dispatchedAt: new Date(),
      version: real.version ?? 'v0',
    });
    expect(created.runId).toBeUndefined();
    const runId = 18_999_000_001;

    // Same name, other SHA: not this deploy's run.
    const otherSha = workflowRunPayload(
      { ...created, sha: '0'.repeat(40) },
      { id: runId, name: `deploy ${id}` },
    );
    expect(await handle(headers(otherSha), otherSha)).toEqual({ status: 202, body: 'no matching deploy' });
    expect((await stateOf(id))?.runId).toBeUndefined();

    // A run naming a deploy that already has another run is not taken for it.
    const stranger = workflowRunPayload(real, { id: runId + 1, name: `deploy ${real.id}` });
    expect(await handle(headers(stranger), stranger)).toEqual({ status: 202, body: 'no matching deploy' });
    expect((await stateOf(real.id))?.state).toBe('dispatched');

    const body = workflowRunPayload(created, { id: runId, name: `deploy ${id}` });
    expect(await handle(headers(body), body)).toEqual({ status: 202, body: 'applied' });
    const done = await stateOf(id);
    expect(done).toMatchObject({ state: 'succeeded', runId });
    expect(h.told.markers.map((m) => m.id)).toEqual([id]);
  });
});
