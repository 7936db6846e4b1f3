import { Webhooks } from '@octokit/webhooks';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { AppDeps } from '../../app/ports/deps.js';
import { applyRunEvent } from '../../app/deploys/track.js';
import { toRun } from '../github/runs.js';
import { runSchema } from '../github/schemas.js';

// The run inside the event has the REST API's run shape: the same schema and mapping as polling uses.
const workflowRunPayload = z.object({ action: z.string(), workflow_run: runSchema });

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
    const run = toRun(payload.workflow_run);
    const matched = await applyRunEvent(deps, run);
    return { status: 202, body: matched ? 'applied' : 'no matching deploy' };
  };
}
