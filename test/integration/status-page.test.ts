import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeHtml, renderStatusPage, STATUS_PAGE_CSP } from '../../src/adapters/http/status-page.js';
import type { HttpServer } from '../../src/adapters/http/server.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { startFreeze } from '../../src/app/freezes.js';
import { lockAll } from '../../src/app/locks.js';
import { setMaintenance } from '../../src/app/maintenance.js';
import { boardSnapshot } from '../../src/app/status/board.js';
import { readStatusPage } from '../../src/app/status/page.js';
import { boardRows } from '../../src/domain/status-board.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { startStatusServer } from '../helpers/status-page.js';

let h: AppHarness;
let server: HttpServer | undefined;
beforeEach(async () => {
  h = await startAppHarness();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await h.close();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`http://127.0.0.1:${server!.port}${path}`, { headers, method, signal: AbortSignal.timeout(10_000) });

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

describe('status board read model', () => {
  it('shows what runs on each service and env, its verification, locks, freezes, queue and last deploy', async () => {
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(h.deps, deploy.id);
    await h.deps.repos.locks.acquire({
      service: 'api',
      env: 'prod',
      kind: 'manual',
      reason: 'db migration',
      createdBy: people.bob,
      createdAt: new Date(),
    });
    await startFreeze(h.deps, people.bob, { durationMs: 3_600_000, reason: 'launch day' });
    await h.deps.repos.deploys.create({
      ...done,
      id: 'Q1',
      env: 'prod',
      state: 'queued',
      createdAt: new Date(),
    });
    await setMaintenance(h.deps, people.bob, true, 'moving racks');

    const board = await boardSnapshot(h.deps, { lastDeploys: true });
    const staging = board.envs.find((c) => c.service === 'api' && c.env === 'staging');
    expect(staging?.live).toMatchObject({ deployId: done.id, version: done.version, sha: done.sha });
    expect(staging?.lastDeploy).toMatchObject({ deployId: done.id, state: 'succeeded', by: 'alice' });
    // The pinned board shows no last deploy: it reads none.
    const pinned = await boardSnapshot(h.deps);
    expect(pinned.envs.find((c) => c.service === 'api' && c.env === 'staging')?.lastDeploy).toBeUndefined();
    expect(staging?.freeze).toBeUndefined();
    const prod = board.envs.find((c) => c.service === 'api' && c.env === 'prod');
    expect(prod?.live).toBeUndefined();
    expect(prod?.locks).toEqual([{ kind: 'manual', reason: 'db migration', by: 'bob' }]);
    expect(prod?.freeze).toMatchObject({ name: 'launch day', inBuffer: false });
    expect(prod?.queued).toBe(1);
    expect(board.maintenance).toEqual({ reason: 'moving racks', by: 'bob' });
    expect(board.envs).toHaveLength(
      Object.values(h.deps.config.services).reduce((n, s) => n + s.environments.length, 0),
    );
  });

  it('reads locks as the gates do: the global lock on every env, a lock past its expiry on none', async () => {
    await lockAll(h.deps, people.carol, 'incident 42');
    await h.deps.repos.locks.acquire({
      service: 'api',
      env: 'prod',
      kind: 'manual',
      reason: 'ended an hour ago',
      createdBy: people.bob,
      createdAt: new Date(Date.now() - 7_200_000),
      expiresAt: new Date(Date.now() - 3_600_000),
    });

    const board = await boardSnapshot(h.deps);

    for (const env of board.envs) {
      expect(env.locks, `${env.service}/${env.env}`).toEqual([
        { kind: 'manual', reason: 'incident 42', by: 'carol', global: true },
      ]);
    }
    const rows = boardRows(board);
    expect(
      rows.every((row) => row.holds.includes('locked (all): incident 42') && row.health === 'blocked'),
    ).toBe(true);
    const html = renderStatusPage(await readStatusPage(h.deps), { timeZone: 'UTC' });
    expect(html).toContain('🔒 all: incident 42 (carol)');
    expect(html).not.toContain('ended an hour ago');
  });

  it('names the deploy that holds an env while it runs', async () => {
    h.github.holdRuns(true);
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const board = await boardSnapshot(h.deps);
    const staging = board.envs.find((c) => c.service === 'api' && c.env === 'staging');
    expect(staging?.inFlight).toMatchObject({ deployId: deploy.id });
    h.github.holdRuns(false);
  });
});

describe('status page data', () => {
  it('keeps to what a record has: no version, verification, run or finish time yet', async () => {
    const base = {
      kind: 'deploy' as const,
      service: 'web',
      ref: 'main',
      sha: 'd'.repeat(40),
      reason: '',
      requestedBy: people.alice,
      createdAt: new Date(Date.now() - 60_000),
    };
    // Imported history: went live, but the record predates versions and verification.
    await h.deps.repos.deploys.create({ ...base, id: 'OLD', env: 'prod', state: 'succeeded' });
    await h.deps.repos.deploys.create({ ...base, id: 'NEW', env: 'staging', state: 'awaiting_approval' });

    const page = await readStatusPage(h.deps);
    const prod = page.board.envs.find((c) => c.service === 'web' && c.env === 'prod');
    expect(prod?.live).toEqual({ deployId: 'OLD', sha: base.sha, at: expect.any(Date), kind: 'deploy' });
    const staging = page.board.envs.find((c) => c.service === 'web' && c.env === 'staging');
    expect(staging?.live).toBeUndefined();
    expect(staging?.lastDeploy).toEqual({
      deployId: 'NEW',
      state: 'awaiting_approval',
      at: expect.any(Date),
      by: 'alice',
    });
    const recent = page.recent.find((d) => d.id === 'NEW');
    expect(recent).toBeDefined();
    for (const field of ['version', 'finishedAt', 'verification', 'runUrl', 'githubDeploymentId'])
      expect(recent).not.toHaveProperty(field);
    expect(page.stats.figures.prodDeploys).toBe(0);
    expect(page.freezes.rows).toEqual([]);
  });
});

describe('GET /status', () => {
  it('serves the board, recent deploys with their links, freezes and the DORA figures, under a strict CSP', async () => {
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(h.deps, deploy.id);
    server = await startStatusServer(h.deps);

    const res = await get('/status');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
    expect(STATUS_PAGE_CSP).toContain("default-src 'none'");
    expect(STATUS_PAGE_CSP).not.toMatch(/unsafe|script-src/);
    const html = await res.text();
    expect(html).toContain(done.id);
    expect(html).toContain(done.version!);
    expect(html).toContain(`href="${escapeHtml(done.runUrl!)}"`);
    expect(html).toMatch(/href="[^"]+\/example-org\/api\/deployments\/staging">deployment</);
    expect(html).toContain('Deployment frequency');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('test-token');

    const png = await get('/status/chart.png');
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect((await get('/status/nope')).status).toBe(404);
    expect((await get('/status', {}, 'POST')).status).toBe(405);
    const head = await get('/status', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('escapes hostile reasons, names, lock and freeze text, and never links a javascript: URL', async () => {
    const { deploy } = await requestDeploy(h.deps, {
      actor: { ...people.alice, name: `<b>alice</b>` },
      service: 'api',
      env: 'staging',
      reason: HOSTILE,
    });
    await trackUntilDone(h.deps, deploy.id);
    await h.deps.repos.deploys.update(deploy.id, { runUrl: 'javascript:alert(1)' }, new Date());
    await h.deps.repos.locks.acquire({
      service: 'api',
      env: 'staging',
      kind: 'manual',
      reason: HOSTILE,
      createdBy: people.bob,
      createdAt: new Date(),
    });
    await startFreeze(h.deps, people.bob, { durationMs: 3_600_000, reason: `"'><svg onload=alert(1)>` });
    await setMaintenance(h.deps, people.bob, true, HOSTILE);
    server = await startStatusServer(h.deps);

    const html = await (await get('/status')).text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('<b>alice');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;alice&lt;/b&gt;');
    expect(html).toContain('&quot;&#39;&gt;&lt;svg onload=alert(1)&gt;');
  });

  it('asks for the bearer token when one is set, and compares it exactly', async () => {
    const token = 'a-long-status-token-1234';
    server = await startStatusServer(h.deps, token);
    const none = await get('/status');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.text()).not.toContain(token);
    expect((await get('/status', { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await get('/status', { authorization: `Basic ${token}` })).status).toBe(401);
    expect((await get('/status/chart.png')).status).toBe(401);
    expect((await get('/status', { authorization: `Bearer ${token}` })).status).toBe(200);
  });
});
