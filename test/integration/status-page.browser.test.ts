import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServer } from '../../src/adapters/http/server.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { startFreeze } from '../../src/app/freezes.js';
import type { NewDeploy } from '../../src/app/ports/repositories.js';
import { people, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { startStatusServer } from '../helpers/status-page.js';

/** Debian's chromium (CI installs it in scripts/ensure-setup.mjs); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => p !== undefined && existsSync(p),
);
// The README's screenshot is written with UPDATE_SCREENSHOT=1; otherwise to .cache, leaving the tree clean.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? join(import.meta.dirname, '..', '..', 'docs', 'status-page.png')
  : join(import.meta.dirname, '..', '..', '.cache', 'status-page.png');
const HOUR = 3_600_000;

/** A month of prod history, so the charts on the screenshot have something to show. */
async function seedHistory(h: AppHarness): Promise<void> {
  const now = Date.now();
  for (let i = 1; i <= 24; i += 1) {
    const finishedAt = new Date(now - i * 29 * HOUR);
    const deploy: NewDeploy = {
      id: `H${String(i).padStart(3, '0')}`,
      kind: 'deploy',
      service: i % 2 ? 'api' : 'web',
      env: 'prod',
      ref: 'main',
      sha: `${i}`.padStart(40, 'a'),
      version: `v${finishedAt.toISOString().slice(0, 10).replace(/-/g, '.')}`,
      state: 'succeeded',
      reason: 'weekly release',
      requestedBy: people.alice,
      createdAt: new Date(finishedAt.getTime() - HOUR),
      finishedAt,
      verification: i % 6 === 0 ? 'faulty' : 'verified',
      commits: [{ sha: 'c', title: 'change', at: new Date(finishedAt.getTime() - ((i % 5) + 2) * HOUR) }],
    };
    await h.deps.repos.deploys.create(deploy);
  }
}

describe.skipIf(!CHROMIUM)('status page in a real browser (chromium)', () => {
  let h: AppHarness;
  let server: HttpServer;
  let browser: Browser;
  beforeAll(async () => {
    h = await startAppHarness();
    server = await startStatusServer(h.deps);
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      // Chromium refuses to run its sandbox as root (containers, CI); the page is our own, loaded from loopback.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
      timeout: 30_000,
    });
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
    await h.close();
  });

  it('loads with no CSP violation, shows the deploy that just happened, and the charts', async () => {
    await seedHistory(h);
    await startFreeze(h.deps, people.bob, {
      startsAt: new Date(Date.now() + 26 * HOUR),
      durationMs: 4 * HOUR,
      reason: 'launch day',
    });
    const { deploy } = await requestDeploy(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      reason: 'try the new cache',
    });
    const done = await trackUntilDone(h.deps, deploy.id);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const response = await page.goto(`http://127.0.0.1:${server.port}/status`, { timeout: 15_000 });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Release Console — status');

    const recent = page.locator('table').nth(1);
    const row = recent.locator('tr', { hasText: done.id });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('try the new cache');
    expect(await row.getByRole('link', { name: 'run' }).getAttribute('href')).toBe(done.runUrl);
    expect(await page.locator('table').first().innerText()).toContain(done.version!);
    expect(await page.locator('body').innerText()).toContain('launch day');
    // The stylesheet applied (allowed by its hash), the chart drawn.
    // A string: the test is compiled without the DOM's types.
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(246, 247, 249)');
    const chart = await page.locator('figure svg').boundingBox();
    expect(chart?.width).toBeGreaterThan(300);
    expect(problems).toEqual([]);

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
