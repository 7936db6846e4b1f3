import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalGitHub, type LocalGitHub, type LocalRun } from '../../src/sandbox/github/index.js';
import {
  startSandboxServices,
  wireSandboxServices,
  type SandboxServices,
} from '../../src/sandbox/services.js';

let github: LocalGitHub;
let services: SandboxServices;
let unwire: () => void;

beforeEach(async () => {
  github = await startLocalGitHub({ timing: { queuedMs: 5, inProgressMs: 10 } });
  services = await startSandboxServices({
    routes: [
      { service: 'api', env: 'staging', path: '/api/staging/health' },
      { service: 'api', env: 'prod', path: '/api/prod/health' },
    ],
  });
  unwire = wireSandboxServices(github, services, { 'example-org/api': 'api' });
});
afterEach(async () => {
  unwire();
  await Promise.all([github.close(), services.close()]);
});

async function health(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${services.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Dispatches the deploy workflow as the bot does and waits for the run to finish. */
async function deploy(env: string, version: string, sha: string, workflow = 'deploy.yml'): Promise<LocalRun> {
  const done = new Promise<LocalRun>((resolve) => {
    github.once('runCompleted', resolve);
  });
  const response = await fetch(
    `${github.url}/repos/example-org/api/actions/workflows/${workflow}/dispatches`,
    {
      method: 'POST',
      body: JSON.stringify({
        ref: 'main',
        inputs: { environment: env, version, sha, deploy_id: `D${version}` },
      }),
    },
  );
  expect(response.status).toBe(204);
  return done;
}

describe('sandbox services', () => {
  it('report an unknown version until a deploy succeeds, then what it deployed', async () => {
    expect(await health('/api/staging/health')).toEqual({
      status: 200,
      body: { status: 'ok', service: 'api', env: 'staging', version: 'unknown', sha: '' },
    });
    const sha = github.history('example-org/api')[1]!;
    await deploy('staging', 'v2025.01.10', sha);
    expect((await health('/api/staging/health')).body).toMatchObject({ version: 'v2025.01.10', sha });
    expect((await health('/api/prod/health')).body).toMatchObject({ version: 'unknown' });
  });

  it('keep the previous version when the run fails', async () => {
    const [head, older] = github.history('example-org/api');
    await deploy('prod', 'v2025.01.10', older!);
    github.failNext('example-org/api');
    expect((await deploy('prod', 'v2025.01.11', head!)).conclusion).toBe('failure');
    expect((await health('/api/prod/health')).body).toMatchObject({ version: 'v2025.01.10', sha: older });
  });

  it('answer 503 when made unhealthy and 404 for a path they do not serve', async () => {
    services.setHealthy('api', 'prod', false);
    expect(await health('/api/prod/health')).toMatchObject({ status: 503, body: { status: 'unhealthy' } });
    services.setHealthy('api', 'prod', true);
    expect((await health('/api/prod/health')).status).toBe(200);
    expect((await fetch(`${services.url}/nope`)).status).toBe(404);
  });

  it('report a wrong version for the next deploy only when told (a faulty release)', async () => {
    const [head, older] = github.history('example-org/api');
    services.reportWrongVersion('api', 'staging', 'v0.0.0');
    expect((await health('/api/staging/health')).body).toMatchObject({ version: 'unknown' });
    await deploy('staging', 'v2025.01.10', older!);
    expect((await health('/api/staging/health')).body).toMatchObject({ version: 'v0.0.0', sha: older });
    await deploy('staging', 'v2025.01.11', head!);
    expect((await health('/api/staging/health')).body).toMatchObject({ version: 'v2025.01.11', sha: head });
  });

  it('stop following the local GitHub once unwired', async () => {
    unwire();
    await deploy('staging', 'v2025.01.10', github.history('example-org/api')[0]!);
    expect((await health('/api/staging/health')).body).toMatchObject({ version: 'unknown' });
  });
});
