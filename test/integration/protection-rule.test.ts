import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler } from '../../src/adapters/http/github-webhook.js';
import { approveDeploy, rejectDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { Config } from '../../src/config.js';
import type { Deploy } from '../../src/domain/model.js';
import { webhookSignature } from '../../src/sandbox/github/index.js';
import {
  people,
  refusal,
  startAppHarness,
  testConfig,
  trackUntilDone,
  type AppHarness,
} from '../helpers/app-deps.js';

const API = 'example-org/api';
const SECRET = 'protection-test-secret';
type Payload = { action: string } & Record<string, unknown>;

let h: AppHarness;
let payloads: Payload[];
let deliver: (
  payload: unknown,
  options?: { delivery?: string; secret?: string },
) => Promise<{ status: number; body?: string }>;

async function start(config?: Config): Promise<void> {
  h = await startAppHarness({
    ...(config ? { config } : {}),
    github: { environments: { prod: { protectionRule: true }, staging: { protectionRule: true } } },
  });
  payloads = [];
  h.github.on('protectionRule', (payload) => payloads.push(payload));
  const handler = createGitHubWebhookHandler(h.deps, SECRET);
  deliver = (payload, options = {}) => {
    const body = JSON.stringify(payload);
    return handler(
      {
        'x-github-event': 'deployment_protection_rule',
        'x-github-delivery': options.delivery ?? randomUUID(),
        'x-hub-signature-256': webhookSignature(options.secret ?? SECRET, body),
      },
      body,
    );
  };
}

afterEach(async () => {
  await h.close();
});

/** The SHA at the head of main, deployed and verified on staging (the prod gate's precondition). */
async function verifiedOnStaging(): Promise<string> {
  const sha = h.github.history(API)[0] ?? '';
  const now = new Date();
  await h.deps.repos.deploys.create({
    id: 'DSTAGE0001',
    kind: 'deploy',
    service: 'api',
    env: 'staging',
    ref: 'main',
    sha,
    state: 'succeeded',
    reason: '',
    requestedBy: { id: people.alice.id, name: 'alice' },
    createdAt: now,
    finishedAt: now,
    verification: 'verified',
  });
  return sha;
}

/** Starts the deploy workflow "from the GitHub UI" and hands the bot the event GitHub sends. */
async function startedOnGitHub(env: string, login = 'chen'): Promise<{ runId: number; deploy: Deploy }> {
  const run = h.github.dispatchFromGitHub(API, env, { login });
  const payload = payloads.at(-1);
  expect(payload?.environment).toBe(env);
  const answer = await deliver(payload);
  expect(answer).toEqual({ status: 202, body: 'gated' });
  const deploy = await h.deps.repos.deploys.findByRunId(run.id);
  if (!deploy) throw new Error('no deploy for the run');
  return { runId: run.id, deploy };
}

const runOf = (runId: number) => h.github.runs(API).find((r) => r.id === runId);

describe('a deploy started on GitHub, held at a protected environment (§16)', () => {
  beforeEach(async () => {
    await start();
  });

  it('waits for an R5 in Discord; GitHub hears "approved" naming the approver, and the run is followed', async () => {
    const sha = await verifiedOnStaging();
    const { runId, deploy } = await startedOnGitHub('prod');
    expect(deploy).toMatchObject({ origin: 'github', state: 'awaiting_approval', sha, env: 'prod' });
    expect(deploy.requestedBy).toEqual({ id: 'github:chen', name: 'chen (GitHub)' });
    expect(h.told.cards.find((c) => c.deploy.id === deploy.id)?.pinged).toBe(true);
    expect(runOf(runId)?.status).toBe('waiting');
    expect(h.github.protectionAnswers()).toEqual([]);

    await approveDeploy(h.deps, people.bob, deploy.id);
    expect(h.github.protectionAnswers()).toEqual([
      expect.objectContaining({ runId, environment: 'prod', state: 'approved' }),
    ]);
    expect(h.github.protectionAnswers()[0]?.comment).toMatch(/Approved in Discord by bob/);
    const done = await trackUntilDone(h.deps, deploy.id);
    expect(done.state).toBe('succeeded');
    expect(runOf(runId)?.conclusion).toBe('success');
    // The bot followed GitHub's run: it never dispatched one of its own, and used GitHub's Deployment.
    expect(h.github.requests().filter((r) => r.path.endsWith('/deploy.yml/dispatches'))).toEqual([]);
    expect(done.githubDeploymentId).toBe(payloads[0] && (payloads[0].deployment as { id: number }).id);
    expect(h.github.runs(API).filter((r) => r.workflow === 'deploy.yml')).toHaveLength(1);
  });

  it('is refused by an R5 in Discord: GitHub hears "rejected" and the run fails', async () => {
    await verifiedOnStaging();
    const { runId, deploy } = await startedOnGitHub('prod');
    await rejectDeploy(h.deps, people.carol, deploy.id);
    expect(h.github.protectionAnswers()).toEqual([
      expect.objectContaining({
        runId,
        state: 'rejected',
        comment: expect.stringMatching(/Rejected by carol/),
      }),
    ]);
    expect(runOf(runId)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('is rejected at once during a freeze, the comment naming the freeze; nothing is queued', async () => {
    await verifiedOnStaging();
    const now = Date.now();
    await h.deps.repos.freezes.create({
      id: 'F1',
      reason: 'release party',
      envs: ['prod'],
      startsAt: new Date(now - 60_000),
      endsAt: new Date(now + 3_600_000),
      createdBy: { id: people.bob.id, name: 'bob' },
      createdAt: new Date(now - 60_000),
    });
    const { runId, deploy } = await startedOnGitHub('prod');
    expect(deploy).toMatchObject({ state: 'rejected', outcomeCode: 'FROZEN' });
    const [answer] = h.github.protectionAnswers();
    expect(answer).toMatchObject({ runId, state: 'rejected' });
    expect(answer?.comment).toMatch(/FROZEN/);
    expect(answer?.comment).toMatch(/release party/);
    expect(runOf(runId)?.conclusion).toBe('failure');
  });

  it('is rejected when the SHA was never verified on staging (the same gates as /deploy)', async () => {
    const { deploy } = await startedOnGitHub('prod');
    expect(deploy).toMatchObject({ state: 'rejected', outcomeCode: 'NOT_ON_STAGING' });
    expect(h.github.protectionAnswers()[0]?.comment).toMatch(/NOT_ON_STAGING/);
  });

  it('a redelivered event (same run) makes no second deploy and no second answer', async () => {
    await verifiedOnStaging();
    const { deploy } = await startedOnGitHub('prod');
    expect(await deliver(payloads.at(-1))).toEqual({ status: 202, body: 'duplicate' });
    expect(await h.deps.repos.deploys.findByStates(['awaiting_approval'])).toEqual([
      expect.objectContaining({ id: deploy.id }),
    ]);
  });

  it('the same delivery id is applied once', async () => {
    await verifiedOnStaging();
    h.github.dispatchFromGitHub(API, 'prod');
    const delivery = randomUUID();
    expect((await deliver(payloads.at(-1), { delivery })).body).toBe('gated');
    expect(await deliver(payloads.at(-1), { delivery })).toEqual({ status: 202, body: 'duplicate delivery' });
  });
});

describe('a run the bot dispatched itself', () => {
  beforeEach(async () => {
    await start();
  });

  it('is approved at once when it matches the approved deploy (env, SHA, deploy id in the run name)', async () => {
    const { deploy } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
    });
    const held = h.github.runs(API).at(-1);
    expect(held?.status).toBe('waiting');
    expect(payloads).toHaveLength(1);
    expect(await deliver(payloads[0])).toEqual({ status: 202, body: 'own-run' });
    expect(h.github.protectionAnswers()).toEqual([
      expect.objectContaining({ runId: held?.id, environment: 'staging', state: 'approved' }),
    ]);
    expect(h.github.protectionAnswers()[0]?.comment).toContain(deploy.id);
    expect((await trackUntilDone(h.deps, deploy.id)).state).toBe('succeeded');
    // No deploy of origin github was made for it.
    expect((await h.deps.repos.deploys.findByStates(['rejected', 'awaiting_approval'])).length).toBe(0);
  });

  it('a run that names a deploy but carries another SHA is not taken for it: it goes through the gates', async () => {
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const payload = structuredClone(payloads[0]) as Payload & { deployment: { sha: string } };
    payload.deployment.sha = h.github.history(API)[1] ?? '';
    expect((await deliver(payload)).body).toBe('gated');
    // A deploy of its own, refused: the bot's deploy still runs, so the env is busy.
    expect(h.github.protectionAnswers().map((a) => a.state)).toEqual(['rejected']);
    expect((await h.deps.repos.deploys.get(deploy.id))?.origin).toBeUndefined();
  });
});

describe('fail closed', () => {
  beforeEach(async () => {
    await start();
  });

  it('a bad signature is refused (401) and nothing is answered', async () => {
    h.github.dispatchFromGitHub(API, 'prod');
    expect((await deliver(payloads[0], { secret: 'another-secret' })).status).toBe(401);
    expect(await h.deps.repos.deploys.findByStates(['requested', 'awaiting_approval', 'rejected'])).toEqual(
      [],
    );
  });

  it('missing fields, a callback for another repo, or another environment are refused (400)', async () => {
    h.github.dispatchFromGitHub(API, 'prod');
    const payload = payloads[0] as Payload & { deployment: { environment: string } };
    const { deployment: _dropped, ...withoutDeployment } = payload;
    expect((await deliver(withoutDeployment)).status).toBe(400);
    expect(
      (
        await deliver({
          ...payload,
          deployment_callback_url: String(payload.deployment_callback_url).replace('/api/', '/web/'),
        })
      ).status,
    ).toBe(400);
    expect(
      (await deliver({ ...payload, deployment: { ...payload.deployment, environment: 'staging' } })).status,
    ).toBe(400);
    expect((await deliver({ ...payload, action: 'other' })).body).toBe('ignored');
    expect(h.github.protectionAnswers()).toEqual([]);
  });

  it('an environment or repo no service is configured for is ignored with a log line, never approved', async () => {
    h.github.dispatchFromGitHub(API, 'prod');
    const payload = payloads[0] as Payload & { deployment: Record<string, unknown> };
    const qa = { ...payload, environment: 'qa', deployment: { ...payload.deployment, environment: 'qa' } };
    expect(await deliver(qa)).toEqual({ status: 202, body: 'ignored' });
    expect(h.github.protectionAnswers()).toEqual([]);
  });
});

describe('four-eyes with a mapped GitHub login', () => {
  it('the Discord user the login maps to requested it and may not approve it; another R5 may', async () => {
    await start(
      testConfig((raw) => {
        raw.freezeWindows = [];
        raw.githubUsers = { chen: people.carol.id };
      }),
    );
    await verifiedOnStaging();
    const { deploy } = await startedOnGitHub('prod', 'chen');
    expect(deploy.requestedBy).toEqual({ id: people.carol.id, name: 'chen' });
    expect((await refusal(approveDeploy(h.deps, people.carol, deploy.id))).code).toBe('NOT_ALLOWED');
    await approveDeploy(h.deps, people.bob, deploy.id);
    expect(h.github.protectionAnswers().map((a) => a.state)).toEqual(['approved']);
  });
});
