import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler } from '../../src/adapters/http/github-webhook.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import type { Deploy } from '../../src/domain/model.js';
import { webhookSignature } from '../../src/sandbox/github/index.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { recordFigure } from './figures.js';

const SECRET = 'faults-webhook-secret';
let h: AppHarness | undefined;
afterEach(async () => {
  h?.github.holdRuns(false);
  await h?.close();
  h = undefined;
});

function completedEvent(deploy: Deploy): string {
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const name = `deploy ${deploy.id}`;
  return JSON.stringify({
    action: 'completed',
    workflow_run: {
      id: deploy.runId,
      name,
      display_title: name,
      status: 'completed',
      conclusion: 'success',
      html_url: `https://github.com/example-org/api/actions/runs/${deploy.runId ?? 0}`,
      head_sha: deploy.sha,
      created_at: at,
      updated_at: at,
      run_attempt: 1,
    },
    repository: { full_name: 'example-org/api' },
  });
}

describe('webhook deliveries are claimed atomically (X-GitHub-Delivery)', () => {
  it('of identical deliveries arriving together, exactly one is applied', async () => {
    h = await startAppHarness();
    h.github.holdRuns(true);
    const handle = createGitHubWebhookHandler(h.deps, SECRET);
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const body = completedEvent(progress.deploy);
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'workflow_run',
      'x-github-delivery': '6f1c6f0e-0000-4000-8000-000000000001',
      'x-hub-signature-256': webhookSignature(SECRET, body),
    };
    const copies = 5;
    const answers = await Promise.all(Array.from({ length: copies }, () => handle(headers, body)));
    const applied = answers.filter((a) => a.body === 'applied');
    expect(applied).toHaveLength(1);
    expect(answers.filter((a) => a.body === 'duplicate delivery')).toHaveLength(copies - 1);
    expect((await h.deps.repos.deploys.get(progress.deploy.id))?.state).toBe('succeeded');
    recordFigure('webhook deliveries', {
      tried: copies,
      problems: applied.length - 1,
      detail: { applied: applied.length },
    });
  });

  it('a delivery whose apply fails is forgotten, so the redelivery is applied', async () => {
    h = await startAppHarness();
    h.github.holdRuns(true);
    const handle = createGitHubWebhookHandler(h.deps, SECRET);
    const { progress } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    const body = completedEvent(progress.deploy);
    const headers = {
      'x-github-event': 'workflow_run',
      'x-github-delivery': '6f1c6f0e-0000-4000-8000-000000000002',
      'x-hub-signature-256': webhookSignature(SECRET, body),
    };
    const deploys = h.deps.repos.deploys;
    const findByRunId = deploys.findByRunId.bind(deploys);
    deploys.findByRunId = () => Promise.reject(new Error('MongoDB stalled'));
    await expect(handle(headers, body)).rejects.toThrow('MongoDB stalled');
    deploys.findByRunId = findByRunId;
    expect(await handle(headers, body)).toEqual({ status: 202, body: 'applied' });
  });
});
