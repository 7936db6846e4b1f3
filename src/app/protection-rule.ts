import { newId } from '../domain/ids.js';
import {
  SYSTEM_ACTOR,
  type Actor,
  type Deploy,
  type EffectSpec,
  type ProtectionRequest,
} from '../domain/model.js';
import { approvalRequired } from '../domain/roles.js';
import { clampReason } from '../domain/text.js';
import { audit } from './audit.js';
import { askForApproval } from './deploys/approval.js';
import { resolveTarget, targetOf, type Target } from './deploys/context.js';
import { checkGates } from './deploys/gates.js';
import { supersedeDeploy } from './deploys/supersede.js';
import { annotate, transition } from './pipeline/transition.js';
import type { AppDeps } from './ports/deps.js';
import { isGitHubError, type GitHubErrorKind, type Run, type RunRead } from './ports/github.js';

/**
 * Discord as GitHub's custom deployment protection rule (SPEC §16). GitHub holds a workflow job that targets
 * a protected environment and asks the bot (`deployment_protection_rule`). A run the bot dispatched itself
 * for an approved deploy is approved at once; any other run (started from GitHub's UI, a push workflow …)
 * becomes a deploy of origin `github` that goes through the same gates and four-eyes approval on a card.
 * Every answer is an effect of a change of the deploy (the outbox), so it is sent once, and retried.
 */

/** What the webhook adapter read from a `deployment_protection_rule` delivery (signature already checked). */
export interface ProtectionRuleRequest {
  /** "owner/name". */
  readonly repo: string;
  /** The GitHub environment whose rule asks. */
  readonly environment: string;
  /** The run GitHub holds (from the callback URL). */
  readonly runId: number;
  readonly sha: string;
  readonly ref: string;
  /** The Deployment GitHub created for the job, when it said. */
  readonly deploymentId?: number;
  /** Who started the run on GitHub (login). */
  readonly sender?: string;
  /** What started it: workflow_dispatch, push, … */
  readonly event?: string;
}

export type ProtectionOutcome =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'duplicate'; readonly deployId: string }
  | { readonly kind: 'own-run'; readonly deployId: string }
  | { readonly kind: 'gated'; readonly deploy: Deploy };

/** States of a deploy whose own dispatched run GitHub may ask about. */
const APPROVED_STATES: readonly Deploy['state'][] = ['approved', 'dispatched', 'running'];
const DEPLOY_ID_IN_NAME = /\bD[0-9A-HJKMNP-TV-Z]{8}\b/;
/**
 * GitHub's answers to a protection rule answer that retrying would not change: 422 (the run no longer waits:
 * answered before a crash, cancelled, timed out), 403/404 (no App installation may answer it).
 */
const REFUSED_FOR_GOOD: readonly GitHubErrorKind[] = ['invalid_request', 'forbidden', 'not_found'];

/** The run of a read without an ETag: GitHub always sends it then (a 304 would be a broken answer). */
function runIn(read: RunRead): Run {
  if (read.notModified) throw new Error('GitHub answered 304 to a run read without an ETag');
  return read.run;
}

/** The configured service and env for a repo and GitHub environment; undefined when none is (fail closed). */
export function protectedTarget(deps: AppDeps, repo: string, environment: string): Target | undefined {
  for (const [service, config] of Object.entries(deps.config.services)) {
    if (config.repo.toLowerCase() !== repo.toLowerCase()) continue;
    const env = config.environments.find((e) => (e.githubEnvironment ?? e.name) === environment);
    if (env) return resolveTarget(deps, service, env.name);
  }
  return undefined;
}

export async function receiveProtectionRule(
  deps: AppDeps,
  request: ProtectionRuleRequest,
): Promise<ProtectionOutcome> {
  const log = deps.log.child({ repo: request.repo, environment: request.environment, runId: request.runId });
  const target = protectedTarget(deps, request.repo, request.environment);
  if (!target) {
    const reason = 'no configured service deploys this repo to this environment';
    log.warn({ reason }, 'deployment protection rule ignored');
    return { kind: 'ignored', reason };
  }
  const known = await deps.repos.deploys.findByRunId(request.runId);
  if (known?.origin === 'github' && known.protection?.runId === request.runId) {
    log.info({ deployId: known.id }, 'deployment protection rule already received');
    return { kind: 'duplicate', deployId: known.id };
  }
  const run = runIn(await deps.github.getRun(target.serviceConfig.repo, request.runId));
  const own = await ownApprovedDeploy(deps, target, request, run, known);
  if (own) {
    const answered = await annotate(
      deps,
      own,
      'protectionApproved',
      {},
      {
        actor: SYSTEM_ACTOR,
        reason: 'a run the bot dispatched for this approved deploy',
        details: { runId: request.runId },
      },
      [{ kind: 'protectionAnswer', state: 'approved', request: requestOf(request) }],
    );
    if (answered) {
      await deps.outbox.drain(answered.id);
      log.info({ deployId: own.id }, 'deployment protection rule: own run approved');
      return { kind: 'own-run', deployId: own.id };
    }
  }
  const deploy = await gatedDeploy(deps, target, request, run);
  log.info({ deployId: deploy.id, state: deploy.state }, 'deployment protection rule: deploy from GitHub');
  return { kind: 'gated', deploy };
}

function requestOf(request: ProtectionRuleRequest): ProtectionRequest {
  return {
    runId: request.runId,
    environment: request.environment,
    ...(request.sender ? { sender: request.sender } : {}),
  };
}

/**
 * The approved deploy this run was dispatched for: the deploy id in the run's name (the workflow contract's
 * run-name), or the run id the bot recorded, with the same service, env and SHA — or the verification smoke
 * run of a deploy that just went live there. Anything less is not ours.
 */
async function ownApprovedDeploy(
  deps: AppDeps,
  target: Target,
  request: ProtectionRuleRequest,
  run: Run,
  known: Deploy | undefined,
): Promise<Deploy | undefined> {
  const named = DEPLOY_ID_IN_NAME.exec(run.name)?.[0];
  const candidate = known ?? (named ? await deps.repos.deploys.get(named) : undefined);
  if (!candidate || candidate.origin === 'github') return undefined;
  const matches =
    candidate.service === target.service &&
    candidate.env === target.env &&
    candidate.sha === request.sha &&
    run.headSha === request.sha &&
    ((APPROVED_STATES.includes(candidate.state) &&
      (candidate.runId === undefined || candidate.runId === request.runId)) ||
      // The smoke workflow the bot dispatched to verify this deploy (§8) targets the same environment.
      (candidate.state === 'succeeded' &&
        (candidate.verification ?? 'pending') === 'pending' &&
        candidate.runId !== request.runId));
  return matches ? candidate : undefined;
}

/** Who started it, as a requester: the Discord user the login maps to, else the GitHub login itself. */
function requesterOf(deps: AppDeps, sender: string | undefined): Actor {
  const login = sender ?? 'unknown';
  const discordId = deps.config.githubUsers?.[login];
  return discordId ? { id: discordId, name: login } : { id: `github:${login}`, name: `${login} (GitHub)` };
}

/** A deploy of origin `github` for the held run, taken through the gates: refused, or put to approval. */
async function gatedDeploy(
  deps: AppDeps,
  target: Target,
  request: ProtectionRuleRequest,
  run: Run,
): Promise<Deploy> {
  const now = deps.clock.now();
  const previous = await deps.repos.deploys.lastSucceeded(target.service, target.env);
  for (const older of await deps.repos.deploys.findByStates(['requested', 'queued', 'awaiting_approval'], {
    service: target.service,
    env: target.env,
  })) {
    await supersedeDeploy(deps, older, `a run started on GitHub (${request.sha.slice(0, 7)}) replaced it`);
  }
  const started = await deps.repos.deploys.create({
    id: newId('D'),
    kind: 'deploy',
    origin: 'github',
    protection: requestOf(request),
    service: target.service,
    env: target.env,
    ref: request.ref,
    sha: request.sha,
    state: 'requested',
    reason: clampReason(`started on GitHub${request.event ? ` (${request.event})` : ''}`),
    requestedBy: requesterOf(deps, request.sender),
    createdAt: now,
    runId: request.runId,
    runUrl: run.htmlUrl,
    ...(request.deploymentId === undefined ? {} : { githubDeploymentId: request.deploymentId }),
    ...(previous
      ? {
          previousDeployId: previous.id,
          previousSha: previous.sha,
          ...(previous.version ? { previousVersion: previous.version } : {}),
        }
      : {}),
  });
  await audit(deps, started, 'deploy.requested', { actor: started.requestedBy, reason: started.reason });
  const check = await checkGates(deps, started, { withCommits: target.needsApproval });
  const snapshot = {
    gates: check.lines,
    ...(check.ciState ? { ciState: check.ciState } : {}),
    ...(check.commits ? { commits: check.commits } : {}),
  };
  let moved: Deploy | undefined;
  if (check.blocking) {
    // GitHub holds the run meanwhile: a gate that would queue a Discord request refuses this one, named.
    moved = await transition(
      deps,
      started,
      'deny',
      {
        ...snapshot,
        outcomeReason: check.blocking.reason,
        outcomeCode: check.blocking.code,
        finishedAt: now,
      },
      { actor: SYSTEM_ACTOR, reason: `${check.blocking.code}: ${check.blocking.reason}` },
    );
  } else if (approvalRequired({ kind: 'deploy', envNeedsApproval: target.needsApproval, emergency: false })) {
    moved = await askForApproval(deps, started, snapshot, { actor: started.requestedBy });
  } else {
    moved = await transition(deps, started, 'autoApprove', snapshot, {
      actor: SYSTEM_ACTOR,
      reason: 'no approval needed',
    });
  }
  if (moved) await deps.outbox.drain(moved.id);
  return (await deps.repos.deploys.get(started.id)) ?? started;
}

/** The comment GitHub shows beside the answer: who approved, or which gate refused it and why. */
export function protectionComment(deploy: Deploy, state: 'approved' | 'rejected'): string {
  const ref = `Release Console deploy ${deploy.id}`;
  if (state === 'approved') {
    if (deploy.origin !== 'github') {
      return `Dispatched by Release Console for approved deploy ${deploy.id}${deploy.approvedBy ? `, approved by ${deploy.approvedBy.name}` : ''}.`;
    }
    return deploy.approvedBy
      ? `Approved in Discord by ${deploy.approvedBy.name} (${ref}).`
      : `Every gate passed and ${deploy.env} needs no approval (${ref}).`;
  }
  const why = deploy.outcomeReason ?? deploy.state;
  return `Rejected${deploy.outcomeCode ? ` (${deploy.outcomeCode})` : ''}: ${why} (${ref}).`;
}

/** The protectionAnswer effect: tells GitHub; an approved run GitHub let go is then followed as dispatched. */
export async function answerProtectionEffect(
  deps: AppDeps,
  deploy: Deploy,
  spec: Extract<EffectSpec, { kind: 'protectionAnswer' }>,
): Promise<void> {
  const request = spec.request ?? deploy.protection;
  if (!request) return; // nothing GitHub waits for
  const repo = targetOf(deps, deploy).serviceConfig.repo;
  const comment = protectionComment(deploy, spec.state);
  try {
    await deps.github.answerProtectionRule(repo, request.runId, {
      environment: request.environment,
      state: spec.state,
      comment,
    });
  } catch (error) {
    // Anything but a refusal for good (an outage, a rate limit) is retried by the outbox worker.
    if (!isGitHubError(error) || !REFUSED_FOR_GOOD.includes(error.kind)) throw error;
    deps.log.warn(
      { err: error, deployId: deploy.id, runId: request.runId, state: spec.state },
      'GitHub did not take the protection rule answer',
    );
    if (spec.state === 'approved' && ownsHeldRun(deploy)) {
      await afterRefusedApproval(deps, deploy, request.runId, error.message);
    }
    return;
  }
  deps.log.info(
    { deployId: deploy.id, runId: request.runId, state: spec.state },
    'deployment protection rule answered',
  );
  if (spec.state === 'approved' && ownsHeldRun(deploy)) await runLetGo(deps, deploy, request.runId);
}

function ownsHeldRun(deploy: Deploy): boolean {
  return deploy.origin === 'github' && deploy.state === 'approved';
}

async function runLetGo(deps: AppDeps, deploy: Deploy, runId: number): Promise<void> {
  await transition(
    deps,
    deploy,
    'dispatch',
    // The run's URL is on the record since GitHub first asked (gatedDeploy).
    { dispatchedAt: deps.clock.now(), runId },
    { actor: deploy.approvedBy ?? SYSTEM_ACTOR, reason: 'GitHub was told: approved', details: { runId } },
  );
}

/**
 * GitHub refused an approval (422): it may have taken an earlier one just before a crash, and the run went
 * on (and may have ended since) — then the run is followed to its end like any other. A run still waiting
 * (the environment named wrongly, say) or gone cannot be let go: the deploy fails.
 */
async function afterRefusedApproval(
  deps: AppDeps,
  deploy: Deploy,
  runId: number,
  refusal: string,
): Promise<void> {
  const repo = targetOf(deps, deploy).serviceConfig.repo;
  const run = await deps.github
    .getRun(repo, runId)
    .then(runIn)
    .catch(() => undefined);
  if (run && run.status !== 'waiting') {
    await runLetGo(deps, deploy, runId);
    return;
  }
  const reason = `GitHub did not take the approval: ${refusal}`;
  await transition(
    deps,
    deploy,
    'fail',
    { outcomeReason: reason, finishedAt: deps.clock.now() },
    { actor: SYSTEM_ACTOR, reason },
  );
}
