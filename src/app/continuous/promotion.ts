import { environmentOf, serviceOf } from '../../config.js';
import { stableId } from '../../domain/ids.js';
import { AUTO_ACTOR, type Deploy } from '../../domain/model.js';
import { smokeKey, type SmokeState } from '../deploys/smoke-state.js';
import { checkGates } from '../deploys/gates.js';
import { recordRequest } from '../deploys/request.js';
import { transition } from '../pipeline/transition.js';
import type { AppDeps } from '../ports/deps.js';
import { resume } from './auto-deploy.js';

/** The one promotion a staging deploy may ever have. */
export function promotionId(stagingDeployId: string): string {
  return stableId('D', 'promotion', stagingDeployId);
}

/**
 * The `promotion` effect of a verified staging deploy by `auto` (§15): the same SHA is requested for prod by
 * `auto`, which takes it through every gate and, for an env that needs approval, posts the normal approval
 * card with the commit range since prod, CI and the staging verification; any R5 approves it (the requester
 * is `auto`, so four eyes means one person). Safe to run again: the promotion's id comes from the staging
 * deploy, and one recorded before a crash is taken on where it stopped.
 */
export async function requestPromotion(deps: AppDeps, staging: Deploy): Promise<Deploy | undefined> {
  const prod = deps.config.prodEnvironment;
  const service = serviceOf(deps.config, staging.service);
  if (!service || !environmentOf(deps.config, staging.service, prod)) return undefined;
  if (staging.state !== 'succeeded' || staging.verification !== 'verified') return undefined;
  const id = promotionId(staging.id);
  const existing = await deps.repos.deploys.get(id);
  if (existing) return resume(deps, existing);
  const live = await deps.repos.deploys.lastSucceeded(staging.service, prod);
  if (live?.sha === staging.sha) return undefined; // already there
  const deploy = await recordRequest(deps, {
    id,
    target: { service: staging.service, env: prod },
    ref: staging.ref,
    sha: staging.sha,
    actor: AUTO_ACTOR,
    reason: `promotion of ${staging.version ?? staging.id}, verified on ${staging.env}`,
    extra: { promotionOf: staging.id },
  });
  return resume(deps, deploy);
}

/**
 * `autoPromote: afterNightlySmoke` (§15): a promotion still awaiting approval is approved by `auto` once a
 * nightly smoke newer than the promotion came back green, and only while every gate is green — a freeze, its
 * buffer, a lock, red CI or anything else leaves the card to the R5s. Returns the ids it approved.
 */
export async function autoPromoteAfterSmoke(deps: AppDeps): Promise<string[]> {
  const approved: string[] = [];
  for (const [name, service] of Object.entries(deps.config.services)) {
    if (service.autoPromote !== 'afterNightlySmoke') continue;
    const smoke = await deps.repos.settings.get<SmokeState>(smokeKey(name));
    if (!smoke || smoke.red) continue;
    const waiting = await deps.repos.deploys.findByStates(['awaiting_approval'], {
      service: name,
      env: deps.config.prodEnvironment,
    });
    for (const deploy of waiting) {
      if (deploy.promotionOf === undefined || deploy.requestedBy.id !== AUTO_ACTOR.id) continue;
      if (Date.parse(smoke.at) <= deploy.createdAt.getTime()) continue; // not a smoke of this SHA yet
      if (await approveAsAuto(deps, deploy, smoke.at)) approved.push(deploy.id);
    }
  }
  return approved;
}

async function approveAsAuto(deps: AppDeps, deploy: Deploy, smokeAt: string): Promise<boolean> {
  const check = await checkGates(deps, deploy, { withCommits: false });
  if (check.blocking) {
    deps.log.info(
      { deployId: deploy.id, gate: check.blocking.code },
      'automatic promotion waits: a gate is not green',
    );
    return false;
  }
  const now = deps.clock.now();
  const decided = await deps.repos.approvals.decide(deploy.id, 'approved', { by: AUTO_ACTOR, at: now });
  if (!decided) return false;
  const moved = await transition(
    deps,
    deploy,
    'approve',
    { approvedBy: AUTO_ACTOR, decidedAt: now, gates: check.lines },
    {
      actor: AUTO_ACTOR,
      reason: `automatic promotion after the green nightly smoke of ${smokeAt}`,
    },
  );
  if (moved) await deps.outbox.drain(moved.id);
  return moved !== undefined;
}
