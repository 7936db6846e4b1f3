import { Webhooks } from '@octokit/webhooks';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.js';
import { applyRunEvent } from '../../app/deploys/track.js';
import type { Run, RunStatus } from '../../app/github-port.js';

const workflowRunPayload = z.object({
  action: z.string(),
  workflow_run: z.object({
    id: z.number().int(),
    status: z.string(),
    conclusion: z.string().nullable(),
    html_url: z.string(),
    head_sha: z.string(),
    name: z.string().nullable().optional(),
    display_title: z.string().nullable().optional(),
    created_at: z.string(),
    updated_at: z.string(),
    run_attempt: z.number().int().optional(),
  }),
});

/**
 * POST /github/webhook (§4.6): `workflow_run` events, accepted only with a valid X-Hub-Signature-256 for
 * GITHUB_WEBHOOK_SECRET (checked by @octokit/webhooks). Other events are acknowledged and ignored.
 */
export function createGitHubWebhookHandler(deps: AppDeps, secret: string) {
  const webhooks = new Webhooks({ secret });
  return async (headers: IncomingHttpHeaders, body: string): Promise<{ status: number; body?: string }> => {
    const signature = headers['x-hub-signature-256'];
    if (typeof signature !== 'string' || !(await webhooks.verify(body, signature).catch(() => false))) {
      deps.log.warn({ delivery: headers['x-github-delivery'] }, 'webhook with a bad signature refused');
      return { status: 401, body: 'bad signature' };
    }
    if (headers['x-github-event'] !== 'workflow_run') return { status: 202, body: 'ignored' };
    let payload: z.infer<typeof workflowRunPayload>;
    try {
      payload = workflowRunPayload.parse(JSON.parse(body));
    } catch {
      return { status: 400, body: 'not a workflow_run payload' };
    }
    const r = payload.workflow_run;
    const run: Run = {
      id: r.id,
      status: r.status as RunStatus,
      conclusion: r.conclusion,
      htmlUrl: r.html_url,
      headSha: r.head_sha,
      name: r.display_title ?? r.name ?? '',
      createdAt: new Date(r.created_at),
      updatedAt: new Date(r.updated_at),
      runAttempt: r.run_attempt ?? 1,
    };
    const matched = await applyRunEvent(deps, deps.runWatch, run);
    return { status: 202, body: matched ? 'applied' : 'no matching deploy' };
  };
}
