import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expireApproval } from '../../src/app/deploys/approval.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import {
  answerProtectionEffect,
  protectionComment,
  receiveProtectionRule,
} from '../../src/app/protection-rule.js';
import type { Deploy } from '../../src/domain/model.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

/**
 * The answer to GitHub as an effect (§16): sent once, retried when GitHub fails, and what happens when GitHub
 * no longer waits (answered before a crash, or the run ended meanwhile). Events go straight to the use-case.
 */

const API = 'example-org/api';
let h: AppHarness;
/** Moves the harness's clock on (approval expiry); the outbox worker reads the same clock. */
let offsetMs = 0;

beforeEach(async () => {
  offsetMs = 0;
  h = await startAppHarness({
    clock: { now: () => new Date(Date.now() + offsetMs) },
    github: { environments: { prod: { protectionRule: true }, staging: { protectionRule: true } } },
  });
});
afterEach(async () => {
  await h.close();
});

/** A run started "on GitHub", handed to the use-case as the webhook adapter would (no sender, no event). */
async function heldRun(env: string): Promise<{ runId: number; deploy: Deploy }> {
  const run = h.github.dispatchFromGitHub(API, env);
  const outcome = await receiveProtectionRule(h.deps, {
    repo: API,
    environment: env,
    runId: run.id,
    sha: run.headSha,
    ref: 'main',
  });
  if (outcome.kind !== 'gated') throw new Error(`not gated: ${outcome.kind}`);
  return { runId: run.id, deploy: outcome.deploy };
}

async function verifiedOnStaging(): Promise<void> {
  const now = new Date();
  await h.deps.repos.deploys.create({
    id: 'DSTAGE0002',
    kind: 'deploy',
    service: 'api',
    env: 'staging',
    ref: 'main',
    sha: h.github.history(API)[0] ?? '',
    state: 'succeeded',
    reason: '',
    requestedBy: { id: people.alice.id, name: 'alice' },
    createdAt: now,
    finishedAt: now,
    verification: 'verified',
  });
}

/** Answers the held run directly, as if the bot's answer reached GitHub just before it crashed. */
async function answeredBehindTheBotsBack(runId: number): Promise<void> {
  const response = await fetch(
    `${h.github.url}/repos/${API}/actions/runs/${runId}/deployment_protection_rule`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'test' },
      body: JSON.stringify({ environment_name: 'prod', state: 'approved' }),
    },
  );
  expect(response.status).toBe(204);
}

const runOf = (runId: number) => h.github.runs(API).find((r) => r.id === runId);

describe('the protection rule answer', () => {
  it('an env that needs no approval is approved once the gates pass, saying so', async () => {
    const { runId, deploy } = await heldRun('staging');
    expect(deploy.requestedBy).toEqual({ id: 'github:unknown', name: 'unknown (GitHub)' });
    expect(h.github.protectionAnswers()).toEqual([
      expect.objectContaining({
        runId,
        state: 'approved',
        comment: expect.stringMatching(/needs no approval/),
      }),
    ]);
    expect((await trackUntilDone(h.deps, deploy.id)).state).toBe('succeeded');
  });

  it('GitHub already let the run go (answered before a crash): the 422 is taken as approved and the run followed', async () => {
    await verifiedOnStaging();
    const { runId, deploy } = await heldRun('prod');
    h.github.holdRuns(true); // the run goes on but does not end before the bot looks
    await answeredBehindTheBotsBack(runId);
    await approveDeploy(h.deps, people.bob, deploy.id);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('dispatched');
    h.github.holdRuns(false);
    expect(h.github.protectionAnswers()).toHaveLength(1); // only the one behind its back: GitHub refused the second
    expect((await trackUntilDone(h.deps, deploy.id)).state).toBe('succeeded');
  });

  it('the run ended on GitHub meanwhile: the deploy ends as the run did', async () => {
    await verifiedOnStaging();
    const { runId, deploy } = await heldRun('prod');
    h.github.completeRun(API, runId, 'failure');
    await approveDeploy(h.deps, people.bob, deploy.id);
    const after = await trackUntilDone(h.deps, deploy.id);
    expect(after).toMatchObject({ state: 'failed', outcomeReason: 'The workflow run ended: failure.' });
    expect(runOf(runId)?.conclusion).toBe('failure');
  });

  it('GitHub refuses the approval while the run still waits (wrong environment name): the deploy fails', async () => {
    await verifiedOnStaging();
    const { runId, deploy } = await heldRun('prod');
    // The record names another environment than the one GitHub holds the run at.
    await h.deps.repos.deploys.update(
      deploy.id,
      { protection: { runId, environment: 'production' } },
      new Date(),
    );
    await approveDeploy(h.deps, people.bob, deploy.id);
    const after = await h.deps.repos.deploys.get(deploy.id);
    expect(after?.state).toBe('failed');
    expect(after?.outcomeReason).toMatch(/GitHub did not take the approval/);
    expect(runOf(runId)?.status).toBe('waiting');
  });

  it('a GitHub outage is retried until the answer is taken, once', async () => {
    await verifiedOnStaging();
    const { runId, deploy } = await heldRun('prod');
    h.github.failNextRequest({ method: 'POST', path: /deployment_protection_rule$/ }, 502, { times: 4 });
    await approveDeploy(h.deps, people.bob, deploy.id);
    const pending = await h.deps.repos.deploys.get(deploy.id);
    expect(pending?.state).toBe('approved');
    for (let i = 0; i < 40 && (await h.deps.repos.deploys.get(deploy.id))?.state === 'approved'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await h.deps.outbox.drain(deploy.id);
    }
    expect(h.github.protectionAnswers()).toEqual([expect.objectContaining({ runId, state: 'approved' })]);
    expect((await trackUntilDone(h.deps, deploy.id)).state).toBe('succeeded');
  });

  it('an approval that expires is answered "rejected" with the reason', async () => {
    await verifiedOnStaging();
    const { runId, deploy } = await heldRun('prod');
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('pending');
    offsetMs = 3 * 3_600_000;
    await expireApproval(h.deps, deploy.id);
    expect((await h.deps.repos.deploys.get(deploy.id))?.state).toBe('expired');
    expect(h.github.protectionAnswers()).toEqual([
      expect.objectContaining({ runId, state: 'rejected', comment: expect.stringMatching(/expired/) }),
    ]);
  });
});

describe('nothing to answer, and the deploy before it', () => {
  it('a deploy GitHub holds no run for owes no answer (nothing is sent)', async () => {
    const { deploy } = await heldRun('staging');
    await trackUntilDone(h.deps, deploy.id);
    const before = h.github.protectionAnswers().length;
    const { protection: _none, ...plain } = deploy;
    await answerProtectionEffect(h.deps, plain, { kind: 'protectionAnswer', state: 'approved' });
    expect(h.github.protectionAnswers()).toHaveLength(before);
  });

  it('a deploy started on GitHub records the one live before it (its rollback target)', async () => {
    const first = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    // The bot's own run waits at staging too: answered as GitHub would ask.
    const own = h.github.runs(API).at(-1);
    await receiveProtectionRule(h.deps, {
      repo: API,
      environment: 'staging',
      runId: own?.id ?? 0,
      sha: first.deploy.sha,
      ref: 'main',
    });
    const live = await trackUntilDone(h.deps, first.deploy.id);
    const second = await heldRun('staging');
    expect(second.deploy).toMatchObject({
      previousDeployId: live.id,
      previousSha: live.sha,
      previousVersion: live.version,
    });
  });
});

describe('beside requests made in Discord', () => {
  it('a deploy started on GitHub replaces an older request still waiting for approval', async () => {
    await verifiedOnStaging();
    const older = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(older.deploy.state).toBe('awaiting_approval');
    const { deploy } = await heldRun('prod');
    expect(deploy.state).toBe('awaiting_approval');
    expect((await h.deps.repos.deploys.get(older.deploy.id))?.state).toBe('superseded');
  });
});

describe('the comment GitHub shows', () => {
  const base = {
    id: 'DABCDEFGH',
    kind: 'deploy',
    service: 'api',
    env: 'prod',
    ref: 'main',
    sha: 'a'.repeat(40),
    state: 'approved',
    reason: '',
    requestedBy: { id: 'github:chen', name: 'chen (GitHub)' },
    createdAt: new Date(),
    updatedAt: new Date(),
    rev: 1,
  } satisfies Deploy;

  it('names the approver, or the deploy the bot dispatched, or the gate that refused', () => {
    const bob = { id: people.bob.id, name: 'bob' };
    expect(protectionComment({ ...base, approvedBy: bob }, 'approved')).toMatch(/approved by bob/);
    expect(protectionComment(base, 'approved')).toBe(
      'Dispatched by Release Console for approved deploy DABCDEFGH.',
    );
    expect(protectionComment({ ...base, origin: 'github', approvedBy: bob }, 'approved')).toMatch(
      /^Approved in Discord by bob/,
    );
    expect(
      protectionComment(
        {
          ...base,
          origin: 'github',
          state: 'rejected',
          outcomeCode: 'LOCKED',
          outcomeReason: 'Locked (manual): db',
        },
        'rejected',
      ),
    ).toBe('Rejected (LOCKED): Locked (manual): db (Release Console deploy DABCDEFGH).');
    expect(protectionComment({ ...base, origin: 'github', state: 'cancelled' }, 'rejected')).toBe(
      'Rejected: cancelled (Release Console deploy DABCDEFGH).',
    );
  });
});
