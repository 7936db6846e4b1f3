import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { audit } from '../../commands/audit.js';
import { deploy } from '../../commands/deploy.js';
import { history } from '../../commands/history.js';
import type { CommandContext } from '../../src/adapters/discord/command.js';
import { createGitHubWebhookHandler, DELIVERY_MEMORY_MS } from '../../src/adapters/http/github-webhook.js';
import { githubOutage } from '../../src/adapters/discord/github-outage.js';
import { viewForError } from '../../src/adapters/discord/router.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { needsAcknowledgement, requestRollback } from '../../src/app/rollback.js';
import { overrideFreeze } from '../../src/app/freeze-override.js';
import { ManualClock } from '../../src/domain/clock.js';
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

/** Hostile input and faults, each at the app boundary a person reaches. */
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function commandContext(harness: AppHarness, options: unknown): CommandContext<unknown> {
  return {
    options,
    actor: people.alice,
    deps: harness.deps,
    log: pino({ level: 'silent' }),
    channelId: 'ops',
  };
}

// Saturday 7 March 2026 17:30 UTC: inside the example's "Elite Wars" buffer, so prod deploys queue.
const IN_BUFFER = '2026-03-07T17:30:00Z';

async function queuedProdDeploy(): Promise<{ harness: AppHarness; id: string }> {
  const clock = new ManualClock(IN_BUFFER);
  const harness = await startAppHarness({ clock, config: testConfig() });
  h = harness;
  const { deps } = harness;
  const staging = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' });
  const done = await trackUntilDone(deps, staging.progress.deploy.id);
  await deps.repos.deploys.update(done.id, { verification: 'verified' }, clock.now());
  const { progress } = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
  expect(progress).toMatchObject({ kind: 'queued', code: 'FROZEN' });
  return { harness, id: progress.deploy.id };
}

describe('defect 2: a rollback plan must have visible words', () => {
  it.each([
    ['spaces and newlines', ' \n\n          \n\t  '],
    ['zero-width characters', '\u200b'.repeat(20) + '\u2060\ufeff\u200c\u200d'.repeat(5)],
    ['a bidi override and a few letters', '\u202e\u202e\u202e\u202e\u202e\u202e\u202eabc'],
  ])('refuses %s, and the deploy stays queued', async (_name, rollbackPlan) => {
    const { harness, id } = await queuedProdDeploy();
    const error = await refusal(
      overrideFreeze(harness.deps, people.bob, id, { reason: 'hotfix for login outage', rollbackPlan }),
    );
    expect(error).toMatchObject({
      code: 'BAD_INPUT',
      message: 'The rollback plan is required (at least 10 characters).',
    });
    expect((await harness.deps.repos.deploys.get(id))?.state).toBe('queued');
  });

  it('keeps a long plan whole instead of cutting it at the reason limit', async () => {
    const { harness, id } = await queuedProdDeploy();
    const rollbackPlan = `redeploy the previous version with /rollback; ${'step '.repeat(150)}`.trim();
    expect(rollbackPlan.length).toBeGreaterThan(500);
    const done = await overrideFreeze(harness.deps, people.bob, id, {
      reason: 'hotfix for login outage',
      rollbackPlan,
    });
    expect(done.deploy.override?.rollbackPlan).toBe(rollbackPlan);
  });

  it('refuses a plan over its 1000 characters, and a reason over its 300, leaving the deploy queued', async () => {
    const { harness, id } = await queuedProdDeploy();
    const tooLongPlan = await refusal(
      overrideFreeze(harness.deps, people.bob, id, {
        reason: 'hotfix for login outage',
        rollbackPlan: 'roll back '.repeat(101),
      }),
    );
    expect(tooLongPlan.message).toBe('The rollback plan is too long (1000 characters at most).');
    const tooLongReason = await refusal(
      overrideFreeze(harness.deps, people.bob, id, {
        reason: 'x'.repeat(301),
        rollbackPlan: 'redeploy the previous version with /rollback',
      }),
    );
    expect(tooLongReason.message).toBe('The reason is too long (300 characters at most).');
    expect((await harness.deps.repos.deploys.get(id))?.state).toBe('queued');
  });
});

describe('defect 4: names from the object prototype are unknown services, not crashes', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    '/deploy service:%s is refused as unknown',
    async (service) => {
      h = await startAppHarness();
      const error = await refusal(requestDeploy(h.deps, { actor: people.alice, service, env: 'staging' }));
      expect(error.code).toBe('UNKNOWN_SERVICE');
      expect(error.message).toMatch(/^Unknown service ".+"\. Known services: api, web\.$/);
    },
  );

  it.each(['__proto__', 'constructor'])('/history service:%s is refused as unknown', async (service) => {
    h = await startAppHarness();
    const error = await refusal(history.run(commandContext(h, { service })));
    expect(error.code).toBe('UNKNOWN_SERVICE');
  });

  it('autocomplete after service:__proto__ offers the usual environments', async () => {
    h = await startAppHarness();
    for (const command of [deploy, history]) {
      const offered = await command.autocomplete?.({
        focused: { name: 'env', value: '' },
        options: { service: '__proto__' },
        deps: h.deps,
      });
      expect(Array.isArray(offered)).toBe(true);
    }
  });
});

describe('defect 9: what a person typed is echoed inert in error replies', () => {
  const hostile = '[click](https://evil.example) ```\u0000 @everyone';

  it('/deploy service: with a masked link, an open fence, a NUL byte and a mention', async () => {
    h = await startAppHarness();
    const error = await refusal(
      requestDeploy(h.deps, { actor: people.alice, service: hostile, env: 'staging' }),
    );
    expect(error.code).toBe('UNKNOWN_SERVICE');
    expect(error.message).not.toContain('\u0000');
    expect(error.message).not.toContain('[click]');
    expect(error.message).not.toContain('```');
    expect(error.message).not.toMatch(/@everyone/);
    expect(error.message).toContain('\\[click\\]');
  });

  it('/deploy env: and /history service: go through the same escaping', async () => {
    h = await startAppHarness();
    const env = await refusal(requestDeploy(h.deps, { actor: people.alice, service: 'api', env: hostile }));
    expect(env.code).toBe('UNKNOWN_ENV');
    expect(env.message).not.toContain('```');
    const listed = await refusal(history.run(commandContext(h, { service: hostile })));
    expect(listed.code).toBe('UNKNOWN_SERVICE');
    expect(listed.message).not.toContain('[click]');
    expect(listed.message).not.toContain('\u0000');
  });

  it('/audit service: is checked against the configured services', async () => {
    h = await startAppHarness();
    const error = await refusal(audit.run(commandContext(h, { service: hostile })));
    expect(error.code).toBe('UNKNOWN_SERVICE');
    expect(error.message).not.toContain('[click]');
    const view = await audit.run(commandContext(h, { service: 'api' }));
    expect(JSON.stringify(view)).toContain('service api');
  });
});

describe('defect 6: a ref cannot change the GitHub request path', () => {
  it.each(['..', '.', '../../../orgs/example-org'])(
    '/deploy ref:%s is refused before GitHub is asked',
    async (ref) => {
      h = await startAppHarness();
      const before = h.github.requests().length;
      const error = await refusal(
        requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging', ref }),
      );
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toMatch(/name a branch, tag or commit SHA/);
      expect(h.github.requests().slice(before)).toEqual([]);
      expect(await h.deps.repos.deploys.history({ service: 'api', limit: 5 })).toEqual([]);
    },
  );

  it.each([
    ['..', []],
    ['.', []],
    ['feature/x', ['/repos/example-org/api/commits/feature%2Fx']],
  ])('the adapter sends ref %j as one path segment, or not at all', async (ref, paths) => {
    h = await startAppHarness();
    const before = h.github.requests().length;
    expect(await h.deps.github.resolveRef('example-org/api', ref)).toBeUndefined();
    expect(
      h.github
        .requests()
        .slice(before)
        .map((r) => r.path),
    ).toEqual(paths);
  });
});

describe('defect 7: GitHub down while resolving a ref', () => {
  it.each([
    [503, 'GitHub is unavailable right now; nothing was changed. Try again in a few minutes.'],
    [500, 'GitHub is unavailable right now; nothing was changed. Try again in a few minutes.'],
  ])('a %i answers that GitHub is unavailable, and records nothing', async (status, text) => {
    h = await startAppHarness();
    h.github.failNextRequest({ method: 'GET', path: /\/commits\// }, status, { times: 20 });
    const error = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const view = viewForError(error, pino({ level: 'silent' }));
    expect(JSON.stringify(view)).toContain(text);
    expect(githubOutage(error)?.code).toBe('GITHUB_UNAVAILABLE');
    expect(await h.deps.repos.deploys.history({ service: 'api', limit: 5 })).toEqual([]);
  });

  it('a rate limit says so, with the same code', async () => {
    h = await startAppHarness();
    h.github.rateLimitNext(20);
    const error = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(githubOutage(error)).toMatchObject({ code: 'GITHUB_UNAVAILABLE' });
    expect(JSON.stringify(viewForError(error, pino({ level: 'silent' })))).toContain('rate limit');
  });
});

describe('the staging rollback rule: a staging /rollback waits for an R5 unless it is an emergency', () => {
  async function stagingTwice(harness: AppHarness): Promise<void> {
    const first = await requestDeploy(harness.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(harness.deps, first.progress.deploy.id);
    await harness.deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date());
    harness.github.addCommit('example-org/api', 'feat: risky');
    const second = await requestDeploy(harness.deps, { actor: people.alice, service: 'api', env: 'staging' });
    await trackUntilDone(harness.deps, second.progress.deploy.id);
  }
  const deployRuns = (harness: AppHarness) =>
    harness.github.runs('example-org/api').filter((r) => r.workflow === 'deploy.yml');

  it('an R4 rollback on staging is not dispatched until another R5 approves', async () => {
    h = await startAppHarness();
    await stagingTwice(h);
    const runs = deployRuns(h).length;
    const { progress } = await requestRollback(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
    });
    expect(progress.kind).toBe('awaiting_approval');
    expect(deployRuns(h)).toHaveLength(runs);
    const approved = await approveDeploy(h.deps, people.bob, progress.deploy.id);
    expect(approved.kind).toBe('dispatched');
    expect(deployRuns(h)).toHaveLength(runs + 1);
  });

  it('an emergency rollback on staging dispatches at once and is owed an acknowledgement', async () => {
    h = await startAppHarness();
    await stagingTwice(h);
    const { progress } = await requestRollback(h.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
      emergency: true,
    });
    expect(progress.kind).toBe('dispatched');
    expect(needsAcknowledgement(progress.deploy)).toBe(true);
  });
});

describe('defect 10: a replayed or out-of-date workflow_run delivery is not applied again', () => {
  const SECRET = 'hardening-webhook-secret';

  function runEvent(deploy: Deploy, status: 'in_progress' | 'completed'): string {
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const name = `deploy ${deploy.id}`;
    return JSON.stringify({
      action: status === 'completed' ? 'completed' : 'in_progress',
      workflow_run: {
        id: deploy.runId,
        name,
        display_title: name,
        status,
        conclusion: status === 'completed' ? 'success' : null,
        html_url: `https://github.com/example-org/api/actions/runs/${deploy.runId ?? 0}`,
        head_sha: deploy.sha,
        created_at: at,
        updated_at: at,
        run_attempt: 1,
      },
      repository: { full_name: 'example-org/api' },
    });
  }
  const signed = (body: string, delivery: string) => ({
    'content-type': 'application/json',
    'x-github-event': 'workflow_run',
    'x-github-delivery': delivery,
    'x-hub-signature-256': webhookSignature(SECRET, body),
  });

  async function finishedByWebhook() {
    const clock = new ManualClock('2026-03-04T09:00:00Z');
    const harness = await startAppHarness({ clock });
    h = harness;
    harness.github.holdRuns(true);
    const handle = createGitHubWebhookHandler(harness.deps, SECRET);
    const { progress } = await requestDeploy(harness.deps, {
      actor: people.alice,
      service: 'api',
      env: 'staging',
    });
    const started = runEvent(progress.deploy, 'in_progress');
    expect(await handle(signed(started, 'delivery-start'), started)).toEqual({
      status: 202,
      body: 'applied',
    });
    const completed = runEvent(progress.deploy, 'completed');
    expect(await handle(signed(completed, 'delivery-done'), completed)).toEqual({
      status: 202,
      body: 'applied',
    });
    const done = await harness.deps.repos.deploys.get(progress.deploy.id);
    expect(done?.state).toBe('succeeded');
    // Long enough later that a run still "in progress" would be called stuck.
    clock.advance(harness.deps.config.tracking.stuckAfter + 60_000);
    return {
      harness,
      handle,
      clock,
      started,
      done: done!,
      audit: await harness.deps.repos.audit.find({ limit: 100 }),
    };
  }

  it('the same X-GitHub-Delivery again is acknowledged and changes nothing', async () => {
    const { harness, handle, started, done, audit: before } = await finishedByWebhook();
    expect(await handle(signed(started, 'delivery-start'), started)).toEqual({
      status: 202,
      body: 'duplicate delivery',
    });
    expect(await harness.deps.repos.deploys.get(done.id)).toEqual(done);
    expect(await harness.deps.repos.audit.find({ limit: 100 })).toEqual(before);
  });

  it('an in_progress event after completion, under a new delivery id, is ignored as stale', async () => {
    const { harness, handle, started, done } = await finishedByWebhook();
    expect(await handle(signed(started, 'delivery-late'), started)).toEqual({
      status: 202,
      body: 'stale event',
    });
    expect(await harness.deps.repos.deploys.get(done.id)).toEqual(done);
  });

  it('a delivery id is remembered until its expiry, checked in code, then no longer', async () => {
    const { handle, clock, started } = await finishedByWebhook();
    clock.advance(DELIVERY_MEMORY_MS);
    // Forgotten: the delivery is looked at again, and the deploy's state still keeps it out.
    expect(await handle(signed(started, 'delivery-start'), started)).toEqual({
      status: 202,
      body: 'stale event',
    });
  });

  it('a signed workflow_run without a delivery id is refused', async () => {
    h = await startAppHarness();
    const handle = createGitHubWebhookHandler(h.deps, SECRET);
    const unknownRun = { id: 'D00000000', runId: 1, sha: 'a'.repeat(40) } as Deploy;
    const body = runEvent(unknownRun, 'completed');
    const { 'x-github-delivery': _omitted, ...headers } = signed(body, 'x');
    expect(await handle(headers, body)).toEqual({
      status: 400,
      body: 'missing or malformed X-GitHub-Delivery',
    });
  });
});
