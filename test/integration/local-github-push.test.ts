import { afterEach, describe, expect, it } from 'vitest';
import { startLocalGitHub, type LocalGitHub } from '../../src/sandbox/github/index.js';

let github: LocalGitHub | undefined;
afterEach(async () => {
  await github?.close();
});

const REPO = 'example-org/api';

async function ciOf(sha: string): Promise<string> {
  const response = await fetch(`${github!.url}/repos/${REPO}/commits/${sha}/status`, {
    headers: { 'user-agent': 'test' },
  });
  return ((await response.json()) as { state: string }).state;
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('local GitHub: a push (§15 sandbox)', () => {
  it('adds a commit on main with CI pending, then green, and sends push, check_suite and status', async () => {
    // Nobody listens on port 9 of 127.0.0.1: deliveries are recorded with the error, in order.
    github = await startLocalGitHub({
      repos: [REPO],
      webhook: { url: 'http://127.0.0.1:9/github/webhook', secret: 'push-test-secret' },
    });
    const before = github.history(REPO)[0];
    const sha = github.push(REPO, 'fix: something', { ciMs: 1_500 });
    expect(github.history(REPO).slice(0, 2)).toEqual([sha, before]);
    expect(await ciOf(sha)).toBe('pending');
    await until(() => github!.webhookDeliveries().length === 3);
    expect(await ciOf(sha)).toBe('success');
    expect(github.webhookDeliveries().map((d) => d.event)).toEqual(['push', 'check_suite', 'status']);
  });

  it('a red push ends red; close stops a CI still running', async () => {
    github = await startLocalGitHub({ repos: [REPO] });
    const red = github.push(REPO, 'feat: broken', { ci: 'failure', ciMs: 50 });
    await until(() => github!.history(REPO)[0] === red);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await ciOf(red)).toBe('failure');
    const slow = github.push(REPO, 'feat: slow', { ciMs: 60_000 });
    expect(await ciOf(slow)).toBe('pending');
  });
});
