import { generateKeyPairSync } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/adapters/github/index.js';
import { GitHubError } from '../../src/app/ports/github.js';
import { startLocalGitHub, type LocalGitHub } from '../../src/sandbox/github/index.js';
import { answersStatus, problems, requestSchema, webhookSchema } from '../helpers/openapi-shapes.js';

/** The local GitHub's deployment protection rules (§16): held runs, the event, and what the answer may be. */

const REPO = 'example-org/api';
const ROUTE = '/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule';
const PROTECTED = { prod: { protectionRule: true } } as const;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP = {
  appId: 4343,
  installationId: 88,
  publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
const PRIVATE_KEY = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let github: LocalGitHub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

async function installationToken(server: LocalGitHub): Promise<string> {
  const auth = createAppAuth({
    appId: APP.appId,
    privateKey: PRIVATE_KEY,
    installationId: APP.installationId,
    request: request.defaults({ baseUrl: server.url }),
  });
  return (await auth({ type: 'installation' })).token;
}

async function post(
  server: LocalGitHub,
  path: string,
  body: unknown,
  authorization?: string,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      'user-agent': 'protection-check',
      ...(authorization ? { authorization } : {}),
    },
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

const answerPath = (runId: number) => `/repos/${REPO}/actions/runs/${runId}/deployment_protection_rule`;

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the local GitHub holds a run at a protected environment', () => {
  it('sends the event GitHub sends (its OpenAPI shape) and the run waits; an unprotected env does not', async () => {
    github = await startLocalGitHub({
      environments: PROTECTED,
      app: APP,
      timing: { queuedMs: 5, inProgressMs: 5 },
    });
    const payloads: Record<string, unknown>[] = [];
    github.on('protectionRule', (payload) => payloads.push(payload));
    const held = github.dispatchFromGitHub(REPO, 'prod', { login: 'chen' });
    const free = github.dispatchFromGitHub(REPO, 'staging');
    expect(held.status).toBe('waiting');
    expect(free.status).toBe('queued');
    expect(payloads).toHaveLength(1);
    expect(problems(webhookSchema('deployment-protection-rule-requested'), payloads[0])).toEqual([]);
    expect(payloads[0]).toMatchObject({
      action: 'requested',
      environment: 'prod',
      deployment_callback_url: `${github.url}${answerPath(held.id)}`,
      installation: { id: APP.installationId },
      sender: { login: 'chen' },
    });
    expect(github.deployments(REPO)).toEqual([
      expect.objectContaining({ environment: 'prod', sha: held.headSha }),
    ]);
    // Still waiting a while later: only an answer lets it go.
    await until(() => github!.runs(REPO).find((r) => r.id === free.id)?.status === 'completed');
    expect(github.runs(REPO).find((r) => r.id === held.id)?.status).toBe('waiting');
  });

  it('an App installation approves it (204): the run goes on and succeeds; a second answer is 422', async () => {
    github = await startLocalGitHub({
      environments: PROTECTED,
      app: APP,
      timing: { queuedMs: 5, inProgressMs: 5 },
    });
    const token = `token ${await installationToken(github)}`;
    const run = github.dispatchFromGitHub(REPO, 'prod');
    const body = { environment_name: 'prod', state: 'approved', comment: 'Approved in Discord by bob' };
    expect(problems(requestSchema(ROUTE, 'POST'), body)).toEqual([]);
    expect(answersStatus(ROUTE, 'POST', 204)).toBe(true);
    expect(await post(github, answerPath(run.id), body, token)).toEqual({ status: 204, json: undefined });
    await until(() => github!.runs(REPO)[0]?.status === 'completed');
    expect(github.runs(REPO)[0]?.conclusion).toBe('success');
    expect(github.protectionAnswers()).toEqual([
      expect.objectContaining({ runId: run.id, state: 'approved' }),
    ]);
    expect((await post(github, answerPath(run.id), body, token)).status).toBe(422);
  });

  it('rejected: the run fails', async () => {
    github = await startLocalGitHub({ environments: PROTECTED, app: APP });
    const token = `token ${await installationToken(github)}`;
    const run = github.dispatchFromGitHub(REPO, 'prod');
    const answer = await post(
      github,
      answerPath(run.id),
      { environment_name: 'prod', state: 'rejected' },
      token,
    );
    expect(answer.status).toBe(204);
    expect(github.runs(REPO)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('refuses what GitHub refuses: wrong environment, bad state, no run, a comment alone decides nothing', async () => {
    github = await startLocalGitHub({ environments: PROTECTED, app: APP });
    const token = `token ${await installationToken(github)}`;
    const run = github.dispatchFromGitHub(REPO, 'prod');
    expect(
      (await post(github, answerPath(run.id), { environment_name: 'staging', state: 'approved' }, token))
        .status,
    ).toBe(422);
    expect(
      (await post(github, answerPath(run.id), { environment_name: 'prod', state: 'maybe' }, token)).status,
    ).toBe(422);
    expect((await post(github, answerPath(run.id), { state: 'approved' }, token)).status).toBe(422);
    expect(
      (await post(github, answerPath(999), { environment_name: 'prod', state: 'approved' }, token)).status,
    ).toBe(404);
    expect(
      (await post(github, answerPath(run.id), { environment_name: 'prod', comment: 'looking' }, token))
        .status,
    ).toBe(204);
    expect(github.runs(REPO)[0]?.status).toBe('waiting');
  });

  it('only an App may answer: no credentials 401, a personal token 403', async () => {
    github = await startLocalGitHub({ environments: PROTECTED, token: 'ghp_personal' });
    const run = github.dispatchFromGitHub(REPO, 'prod');
    const body = { environment_name: 'prod', state: 'approved' };
    expect((await post(github, answerPath(run.id), body)).status).toBe(401);
    const personal = await post(github, answerPath(run.id), body, 'token ghp_personal');
    expect(personal.status).toBe(403);
    expect(github.runs(REPO)[0]?.status).toBe('waiting');
  });

  it("the bot's GitHub adapter answers with its App; GitHub's refusal comes back as invalid_request", async () => {
    github = await startLocalGitHub({ environments: PROTECTED, app: APP });
    const client = createGitHubClient({
      baseUrl: github.url,
      app: { appId: String(APP.appId), privateKey: PRIVATE_KEY, installationId: String(APP.installationId) },
      log: pino({ level: 'silent' }),
      userAgent: 'protection-check',
    });
    const run = github.dispatchFromGitHub(REPO, 'prod');
    await client.answerProtectionRule(REPO, run.id, {
      environment: 'prod',
      state: 'approved',
      comment: 'ok',
    });
    expect(github.protectionAnswers()).toEqual([
      { repo: REPO, runId: run.id, environment: 'prod', state: 'approved', comment: 'ok' },
    ]);
    const again = await client
      .answerProtectionRule(REPO, run.id, { environment: 'prod', state: 'approved', comment: 'ok' })
      .catch((error: unknown) => error);
    expect(again).toBeInstanceOf(GitHubError);
    expect((again as GitHubError).kind).toBe('invalid_request');
  });
});
