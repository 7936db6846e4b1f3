import { Webhooks } from '@octokit/webhooks';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { AppDeps } from '../../app/ports/deps.js';
import type { Run } from '../../app/ports/github.js';
import { applyRunEvent } from '../../app/deploys/track.js';
import type { Deploy } from '../../domain/model.js';
import { toRun } from '../github/runs.js';
import { runSchema } from '../github/schemas.js';
import { handleProtectionRule } from './protection-webhook.js';

/** GitHub asks the App about a job held at a protected environment (§16). */
const PROTECTION_EVENT = 'deployment_protection_rule';
import { applyCommitEvent, isCommitEvent } from './github-commit-events.js';

// The run inside the event has the REST API's run shape: the same schema and mapping as polling uses.
const workflowRunPayload = z.object({ action: z.string(), workflow_run: runSchema });

/** GitHub redelivers on request for days; a delivery seen within this long is not applied again. */
export const DELIVERY_MEMORY_MS = 7 * 24 * 3_600_000;
// GitHub's delivery ids are GUIDs; anything else is not a GitHub delivery.
const DELIVERY_ID = /^[A-Za-z0-9-]{1,64}$/;
export const deliveryKey = (id: string): string => `github-delivery:${id}`;

const FINISHED: readonly Deploy['state'][] = ['succeeded', 'failed', 'cancelled'];

/**
 * A run event older than what the deploy already shows: a queued or in-progress event for a deploy that has
 * finished (deliveries can arrive out of order, or be replayed).
 */
export function isStaleRunEvent(deploy: Deploy, run: Run): boolean {
  return FINISHED.includes(deploy.state) && run.status !== 'completed';
}

/**
 * POST /github/webhook (§4.6): `workflow_run` and `deployment_protection_rule` (§16) events, accepted only with a valid X-Hub-Signature-256 for
 * GITHUB_WEBHOOK_SECRET (checked by @octokit/webhooks). Other events are acknowledged and ignored. A delivery
 * is applied once: its X-GitHub-Delivery id is claimed in settings with one atomic write before it is applied
 * (the expiry is part of the claim, so no TTL index is needed), and an event older than the deploy's state
 * is ignored.
 */
export function createGitHubWebhookHandler(deps: AppDeps, secret: string) {
  const webhooks = new Webhooks({ secret });
  return async (headers: IncomingHttpHeaders, body: string): Promise<{ status: number; body?: string }> => {
    const signature = headers['x-hub-signature-256'];
    const delivery = headers['x-github-delivery'];
    if (typeof signature !== 'string' || !(await webhooks.verify(body, signature).catch(() => false))) {
      deps.log.warn({ delivery }, 'webhook with a bad signature refused');
      return { status: 401, body: 'bad signature' };
    }
    const event = headers['x-github-event'];
    if (event !== 'workflow_run' && event !== PROTECTION_EVENT && !isCommitEvent(event)) {
      return { status: 202, body: 'ignored' };
    }
    if (typeof delivery !== 'string' || !DELIVERY_ID.test(delivery)) {
      return { status: 400, body: 'missing or malformed X-GitHub-Delivery' };
    }
    const now = deps.clock.now();
    // Claimed before it is applied, in one write: of two concurrent identical deliveries only one applies.
    const claimed = await deps.repos.settings.claim(
      deliveryKey(delivery),
      new Date(now.getTime() + DELIVERY_MEMORY_MS),
      now,
    );
    if (!claimed) {
      deps.log.info({ delivery }, 'webhook delivery already applied');
      return { status: 202, body: 'duplicate delivery' };
    }
    let answer: { status: number; body?: string };
    try {
      answer = await applyDelivery(deps, event, body, delivery);
    } catch (error) {
      await forget(deps, delivery, now);
      throw error;
    }
    // A delivery that was not taken (a bad payload, or one to answer later) is forgotten, so GitHub's
    // redelivery is applied then.
    if (answer.status >= 300) await forget(deps, delivery, now);
    return answer;
  };
}

function forget(deps: AppDeps, delivery: string, now: Date): Promise<void> {
  return deps.repos.settings.set(deliveryKey(delivery), null, now).catch(() => undefined);
}

/** One claimed delivery: a protection rule question, a commit event or a run event. */
async function applyDelivery(
  deps: AppDeps,
  event: string,
  body: string,
  delivery: string,
): Promise<{ status: number; body?: string }> {
  if (event === PROTECTION_EVENT) return handleProtectionRule(deps, body, delivery);
  if (isCommitEvent(event)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { status: 400, body: `not a ${event} payload` };
    }
    return applyCommitEvent(deps, event, parsed);
  }
  let payload: z.infer<typeof workflowRunPayload>;
  try {
    payload = workflowRunPayload.parse(JSON.parse(body));
  } catch {
    return { status: 400, body: 'not a workflow_run payload' };
  }
  const run = toRun(payload.workflow_run);
  const known = await deps.repos.deploys.findByRunId(run.id);
  if (known && isStaleRunEvent(known, run)) {
    deps.log.info({ delivery, deployId: known.id, status: run.status }, 'stale run event ignored');
    return { status: 202, body: 'stale event' };
  }
  const matched = await applyRunEvent(deps, run);
  return { status: 202, body: matched ? 'applied' : 'no matching deploy' };
}
