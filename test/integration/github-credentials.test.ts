import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/adapters/github/index.js';
import { credentialExpiryWarning } from '../../src/app/ports/github.js';
import { createLogger } from '../../src/logger.js';
import { startLocalGitHub, type LocalGitHub } from '../../src/sandbox/github/index.js';

const REPO = 'example-org/api';
const TOKEN = 'ghp_credentialtest0123456789';
const log = createLogger({ level: 'silent' });
const fast = {
  retryAfterUnitMs: 1,
  backoffUnitMs: 5,
  writeSpacingMs: 0,
  lookupAttempts: 2,
  lookupDelayMs: 10,
};
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();

const servers: LocalGitHub[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function withApp(options: { permissions?: Record<string, string>; tokenTtlMs?: number } = {}) {
  const github = await startLocalGitHub({
    app: {
      appId: 31337,
      installationId: 4242,
      publicKey: PUBLIC_PEM,
      ...(options.permissions ? { permissions: options.permissions } : {}),
      ...(options.tokenTtlMs ? { tokenTtlMs: options.tokenTtlMs } : {}),
    },
    timing: { queuedMs: 10, inProgressMs: 30 },
  });
  servers.push(github);
  const client = createGitHubClient({
    baseUrl: github.url,
    app: { appId: '31337', privateKey: PRIVATE_PEM, installationId: '4242' },
    log,
    userAgent: 'release-console-test',
    timing: fast,
  });
  return { github, client };
}

async function withToken(options: { expiresAt?: Date; scopes?: string[] } = {}) {
  const github = await startLocalGitHub({
    token: TOKEN,
    ...(options.expiresAt ? { tokenExpiresAt: options.expiresAt } : {}),
    ...(options.scopes ? { tokenScopes: options.scopes } : {}),
  });
  servers.push(github);
  const client = createGitHubClient({
    baseUrl: github.url,
    token: TOKEN,
    log,
    userAgent: 'rc-test',
    timing: fast,
  });
  return { github, client };
}

describe('GitHub App authentication', () => {
  it('mints an installation token from a JWT the local API verifies, and uses it', async () => {
    const { github, client } = await withApp();
    expect((await client.resolveRef(REPO, 'main'))?.sha).toBe(github.history(REPO)[0]);
    expect(github.installationTokensMinted()).toBe(1);
    // The token is reused while it is fresh.
    await client.resolveRef(REPO, 'main');
    expect(github.installationTokensMinted()).toBe(1);
    expect(await client.credentialStatus()).toEqual({ ok: true, problems: [] });
  });

  it('mints a new token when the old one expires, so requests keep working', async () => {
    const { github, client } = await withApp({ tokenTtlMs: 400 });
    await client.resolveRef(REPO, 'main');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The old token is refused by the local API now; the client must not send it.
    expect((await client.resolveRef(REPO, 'main'))?.sha).toBe(github.history(REPO)[0]);
    expect(github.installationTokensMinted()).toBe(2);
    expect(github.requests().filter((r) => r.status === 401)).toEqual([]);
  });

  it('names the permission an under-privileged installation lacks', async () => {
    const { client } = await withApp({
      permissions: { actions: 'write', contents: 'read', deployments: 'write', metadata: 'read' },
    });
    const status = await client.credentialStatus();
    expect(status.ok).toBe(false);
    expect(status.problems).toEqual([
      'the GitHub App lacks "contents: write" (it has read): grant it in the App\'s permissions and accept the change on the installation',
    ]);
  });

  it('reports a revoked App with its fix', async () => {
    const { github, client } = await withApp();
    github.revokeCredentials();
    const status = await client.credentialStatus();
    expect(status.ok).toBe(false);
    expect(status.problems[0]).toMatch(/^GitHub refuses the App .*generate a new private key$/);
  });
});

describe('token credentials', () => {
  it('reads the expiry GitHub announces and warns within 7 days', async () => {
    const expiresAt = new Date(Date.now() + 3 * 86_400_000);
    expiresAt.setUTCMilliseconds(0);
    const { client } = await withToken({ expiresAt });
    const status = await client.credentialStatus();
    expect(status).toEqual({ ok: true, problems: [], expiresAt });
    expect(credentialExpiryWarning(status, new Date())).toMatch(
      /^the GitHub token expires on \d{4}-\d\d-\d\d/,
    );
    expect(credentialExpiryWarning(status, new Date(expiresAt.getTime() - 8 * 86_400_000))).toBeUndefined();
  });

  it('fails an expired token and a token without the repo scope, each with its fix', async () => {
    const expired = await withToken({ expiresAt: new Date(Date.now() - 1000) });
    expect((await expired.client.credentialStatus()).problems).toEqual([
      'GitHub refuses GITHUB_TOKEN (expired or revoked): create a new token and set GITHUB_TOKEN',
    ]);
    const narrow = await withToken({ scopes: ['read:org', 'workflow'] });
    expect((await narrow.client.credentialStatus()).problems).toEqual([
      'GITHUB_TOKEN lacks the "repo" scope (needed to dispatch workflows, create deployments and tags): create a token with it',
    ]);
  });

  it('forgets a good answer once GitHub refuses the token', async () => {
    const { github, client } = await withToken();
    expect((await client.credentialStatus()).ok).toBe(true);
    github.revokeCredentials();
    await expect(client.resolveRef(REPO, 'main')).rejects.toMatchObject({ kind: 'bad_credentials' });
    expect((await client.credentialStatus()).ok).toBe(false);
  });
});

describe('the local GitHub API refuses what GitHub refuses', () => {
  const post = (github: LocalGitHub, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${github.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'rc-test', ...headers },
      body: JSON.stringify(body),
    });

  it('refuses a dispatch with an undeclared input exactly as GitHub does, and runs nothing', async () => {
    const github = await startLocalGitHub();
    servers.push(github);
    const response = await post(github, `/repos/${REPO}/actions/workflows/deploy.yml/dispatches`, {
      ref: 'main',
      inputs: {
        environment: 'staging',
        sha: 'main',
        version: 'v1',
        deploy_id: 'D1',
        region: 'eu',
        extra: 'x',
      },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      message: 'Unexpected inputs provided: ["region", "extra"]',
      documentation_url: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event',
      status: '422',
    });
    const missing = await post(github, `/repos/${REPO}/actions/workflows/deploy.yml/dispatches`, {
      ref: 'main',
      inputs: { environment: 'staging', sha: 'main', deploy_id: 'D1' },
    });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { message: string }).message).toBe(
      "Required input 'version' not provided",
    );
    expect(github.runs(REPO)).toEqual([]);
  });

  it('names the run from the workflow file: a workflow without run-name breaks deploy_id correlation', async () => {
    const github = await startLocalGitHub({ timing: { queuedMs: 10, inProgressMs: 20 } });
    servers.push(github);
    const client = createGitHubClient({ baseUrl: github.url, log, userAgent: 'rc-test', timing: fast });
    const inputs = { environment: 'staging', sha: 'main', version: 'v1', deploy_id: 'DNAMED01' };
    github.setDispatchDetails(false);
    expect((await client.dispatch(REPO, 'deploy.yml', { ref: 'main', inputs })).runId).toBeDefined();
    expect(github.runs(REPO)[0]?.name).toBe('deploy DNAMED01');
    github.setWorkflowFile(
      'deploy.yml',
      'name: Deploy\non:\n  workflow_dispatch:\n    inputs:\n      environment: {}\n      sha: {}\n      version: {}\n      deploy_id: {}\njobs: {}\n',
    );
    const lost = await client.dispatch(REPO, 'deploy.yml', {
      ref: 'main',
      inputs: { ...inputs, deploy_id: 'DNAMED02' },
    });
    expect(lost.runId).toBeUndefined();
    expect(github.runs(REPO).map((r) => r.name)).toEqual(['deploy DNAMED01', 'Deploy']);
  });

  it('requires a User-Agent and type-checks deployment and status bodies', async () => {
    const github = await startLocalGitHub();
    servers.push(github);
    const bare = await fetch(`${github.url}/repos/${REPO}/commits/main`, { headers: { 'user-agent': '' } });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { message: string }).message).toMatch(/User-Agent header/);
    const typed = await post(github, `/repos/${REPO}/deployments`, { ref: 'main', auto_merge: 'no' });
    expect(typed.status).toBe(422);
    expect(((await typed.json()) as { message: string }).message).toBe(
      'Invalid request.\n\nFor \'properties/auto_merge\', "no" is not a boolean.',
    );
    const created = await post(github, `/repos/${REPO}/deployments`, { ref: 'main', required_contexts: [] });
    const { id } = (await created.json()) as { id: number };
    const long = await post(github, `/repos/${REPO}/deployments/${id}/statuses`, {
      state: 'success',
      description: 'x'.repeat(141),
    });
    expect(long.status).toBe(422);
    // The adapter clamps what it sends, so a long description never fails a deploy.
    const client = createGitHubClient({ baseUrl: github.url, log, userAgent: 'rc-test', timing: fast });
    await client.createDeploymentStatus(REPO, id, { state: 'success', description: '🚀'.repeat(200) });
    expect(github.deployments(REPO)[0]?.states).toEqual(['success']);
  });
});
