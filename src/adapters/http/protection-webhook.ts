import { z } from 'zod';
import type { AppDeps } from '../../app/ports/deps.js';
import { receiveProtectionRule, type ProtectionRuleRequest } from '../../app/protection-rule.js';

/**
 * A `deployment_protection_rule` delivery (§16), its signature already checked. Only a complete `requested`
 * event for the repo its callback URL names is taken; anything else is refused (400) or ignored (202) with a
 * log line. Nothing here approves: the app decides, and only through a deploy's change.
 */
const protectionPayload = z.object({
  action: z.string(),
  environment: z.string().min(1).max(255),
  event: z.string().max(100).optional(),
  deployment_callback_url: z.url(),
  deployment: z.object({
    id: z.number().int().positive(),
    sha: z.string().regex(/^[0-9a-f]{40}$/),
    ref: z.string().min(1).max(255),
    environment: z.string().min(1),
  }),
  repository: z.object({ full_name: z.string().regex(/^[\w.-]+\/[\w.-]+$/) }),
  sender: z.object({ login: z.string().min(1).max(64) }).optional(),
});

const CALLBACK_PATH = /\/repos\/([\w.-]+\/[\w.-]+)\/actions\/runs\/(\d{1,19})\/deployment_protection_rule$/;

/** The request in the product's words, or why the payload is not one. */
export function toProtectionRequest(
  body: string,
): ProtectionRuleRequest | { problem: string } | 'not-requested' {
  let payload: z.infer<typeof protectionPayload>;
  try {
    payload = protectionPayload.parse(JSON.parse(body));
  } catch {
    return { problem: 'not a complete deployment_protection_rule payload' };
  }
  if (payload.action !== 'requested') return 'not-requested';
  const callback = CALLBACK_PATH.exec(new URL(payload.deployment_callback_url).pathname);
  const repo = payload.repository.full_name;
  if (!callback?.[1] || !callback[2] || callback[1].toLowerCase() !== repo.toLowerCase()) {
    return { problem: 'the callback URL does not name a run of the repository' };
  }
  if (payload.deployment.environment !== payload.environment) {
    return { problem: 'the deployment is for another environment than the rule' };
  }
  const runId = Number(callback[2]);
  if (!Number.isSafeInteger(runId)) return { problem: 'the run id is out of range' };
  return {
    repo,
    environment: payload.environment,
    runId,
    sha: payload.deployment.sha,
    ref: payload.deployment.ref,
    deploymentId: payload.deployment.id,
    ...(payload.sender ? { sender: payload.sender.login } : {}),
    ...(payload.event ? { event: payload.event } : {}),
  };
}

export async function handleProtectionRule(
  deps: AppDeps,
  body: string,
  delivery: string,
): Promise<{ status: number; body: string }> {
  const request = toProtectionRequest(body);
  if (request === 'not-requested') return { status: 202, body: 'ignored' };
  if ('problem' in request) {
    deps.log.warn({ delivery, problem: request.problem }, 'deployment protection rule refused');
    return { status: 400, body: request.problem };
  }
  const outcome = await receiveProtectionRule(deps, request);
  return { status: 202, body: outcome.kind };
}
