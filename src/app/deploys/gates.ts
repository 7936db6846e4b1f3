import type { ErrorCode } from '../../domain/errors.js';
import {
  evaluateGates,
  GATE_LABELS,
  summarize,
  type GateInput,
  type GateResult,
} from '../../domain/gates.js';
import { freezeStatus, toFreezeWindow, type FreezeWindow } from '../../domain/freeze-windows.js';
import type { CommitLine, Deploy, GateLine } from '../../domain/model.js';
import { ciPolicyKey, type CiPolicy } from '../../domain/policy.js';
import type { AppDeps } from '../ports/deps.js';
import { credentialExpiryWarning, isGitHubError, type CiStatus } from '../ports/github.js';
import { maintenanceState } from '../settings.js';
import type { AuditNote } from '../../domain/model.js';
import { transition } from '../pipeline/transition.js';
import { targetOf } from './context.js';
import { smokeIsRed } from './smoke-state.js';
import { aheadInLine } from './line.js';
import { lockGateInput, locksOn } from '../lock-state.js';
import { ancestryOf, compareShas } from './ancestry.js';

export interface GateCheck {
  readonly lines: GateLine[];
  readonly blocking?: { code: ErrorCode; reason: string; waitable: boolean };
  readonly ciState: string;
  readonly commits?: CommitLine[];
  /** its place in the FIFO queue of the service+env (1: nobody waits ahead of it). */
  readonly position: number;
}

/**
 * A green CI result for a SHA does not change, so it is remembered for a while (in this instance's memory):
 * the gates run at request, at approval and just before dispatch, and only the first needs to ask GitHub.
 */
const GREEN_CI_TTL_MS = 10 * 60_000;

async function ciOf(
  deps: AppDeps,
  repo: string,
  sha: string,
  policy?: CiPolicy,
): Promise<{ status: CiStatus; credentialsOk: boolean }> {
  const cache = deps.local.greenCi;
  // A verdict is green under one env's policy (required / ignored checks), not necessarily another's.
  const key = policy ? `${repo}@${sha}#${ciPolicyKey(policy)}` : `${repo}@${sha}`;
  const seen = cache.get(key);
  if (seen !== undefined && deps.clock.now().getTime() - seen < GREEN_CI_TTL_MS) {
    return { status: { state: 'success', summary: 'checks passed' }, credentialsOk: true };
  }
  try {
    const status = policy
      ? await deps.github.ciStatus(repo, sha, policy)
      : await deps.github.ciStatus(repo, sha);
    if (status.state === 'success') cache.set(key, deps.clock.now().getTime());
    return { status, credentialsOk: true };
  } catch (error) {
    if (isGitHubError(error) && error.kind === 'bad_credentials') {
      return {
        status: { state: 'none', summary: 'unknown (GitHub refused the credentials)' },
        credentialsOk: false,
      };
    }
    throw error;
  }
}

/** The configured recurring windows, in the form the freeze maths takes. */
export function freezeWindowsOf(deps: AppDeps): FreezeWindow[] {
  return deps.config.freezeWindows.map((w) => toFreezeWindow(w, deps.config.timezone));
}

export function toLine(result: GateResult): GateLine {
  return { code: result.code, ok: result.ok, label: GATE_LABELS[result.gate], reason: result.reason };
}

/**
 * Gathers what the gates (§5) need — maintenance, freezes, locks, other deploys, the SHA on staging, CI,
 * the nightly smoke, GitHub credentials — and evaluates them with the pure rules in domain/gates.
 */
export async function checkGates(
  deps: AppDeps,
  deploy: Deploy,
  options: { withCommits: boolean; justBeforeDispatch?: boolean },
): Promise<GateCheck> {
  const target = targetOf(deps, deploy);
  const { repos, config } = deps;
  const now = deps.clock.now();
  const repo = target.serviceConfig.repo;
  const { envConfig } = target;
  const ciPolicy =
    envConfig.requiredChecks || envConfig.ignoredChecks
      ? { required: envConfig.requiredChecks, ignored: envConfig.ignoredChecks }
      : undefined;
  const [maintenance, oneOffs, locks, active, onStaging, ci, smokeRed, credentials, ancestry, ahead] =
    await Promise.all([
      maintenanceState(repos.settings),
      repos.freezes.overlapping(now, new Date(now.getTime() + 1)),
      locksOn(deps, deploy.service, deploy.env),
      repos.deploys.findByStates(['approved', 'dispatched', 'running', 'rolling_out'], {
        service: deploy.service,
        env: deploy.env,
      }),
      target.isProd
        ? repos.deploys.lastSucceeded(deploy.service, config.stagingEnvironment, { sha: deploy.sha })
        : undefined,
      ciOf(deps, repo, deploy.sha, ciPolicy),
      target.isProd ? smokeIsRed(deps, deploy.service) : false,
      deps.github.credentialStatus(),
      target.isProd ? ancestryOf(deps, repo, deploy) : undefined,
      aheadInLine(deps, deploy),
    ]);
  const freeze = freezeStatus(freezeWindowsOf(deps), oneOffs, deploy.env, now);
  const busy = active.find((other) => other.id !== deploy.id);
  // A rollback is the way out of a faulty lock, and its SHA already ran here: neither may hold it back.
  const isRollback = deploy.kind === 'rollback';
  const blockingLock = locks.find((lock) => !(isRollback && lock.kind === 'faulty'));
  const input: GateInput = {
    isProd: target.isProd,
    maintenance: { on: maintenance !== undefined, reason: maintenance?.reason },
    freeze: freeze.frozen
      ? { name: freeze.name, endsAt: freeze.endsAt, inBuffer: freeze.inBuffer }
      : undefined,
    lock: blockingLock ? lockGateInput(blockingLock) : undefined,
    busyDeployId: busy?.id,
    aheadInLine: ahead,
    // Fail closed: only an explicit `verified` counts (a verification never started is not a pass).
    staging: isRollback
      ? { deployed: true, verified: true }
      : onStaging
        ? { deployed: true, verified: onStaging.verification === 'verified' }
        : { deployed: false, verified: false },
    ci: ci.status.state,
    smokeRed,
    credentialsOk: ci.credentialsOk && credentials.ok,
    credentialsProblem: credentials.problems.join('; ') || undefined,
    credentialsWarning: credentialExpiryWarning(credentials, now),
    override: deploy.override !== undefined,
    timeZone: config.timezone,
    // Policy (§16): a rollback goes back to what ran here, wherever it came from.
    refs:
      envConfig.allowedRefs && !isRollback ? { ref: deploy.ref, allowed: envConfig.allowedRefs } : undefined,
    ancestry: ancestry?.ancestry,
  };
  const results = evaluateGates(input);
  const summary = summarize(results);
  let commits: CommitLine[] | undefined;
  if (options.withCommits && deploy.previousSha && deploy.previousSha !== deploy.sha) {
    try {
      // The ancestry gate usually compared the same two SHAs already: one GitHub call for both.
      const comparison =
        ancestry?.comparison && ancestry.prodSha === deploy.previousSha
          ? ancestry.comparison
          : await compareShas(deps, repo, deploy.previousSha, deploy.sha);
      commits = comparison.commits.map((c) => ({
        sha: c.sha,
        title: c.title,
        author: c.author,
        ...(c.date ? { at: c.date } : {}),
      }));
    } catch (error) {
      deps.log.warn({ err: error, deployId: deploy.id }, 'could not compare commits');
    }
  }
  return {
    lines: results.map(toLine),
    ...(summary.blocking
      ? {
          blocking: {
            code: summary.blocking.code,
            reason: summary.blocking.reason,
            waitable: summary.blocking.waitable,
          },
        }
      : {}),
    ciState: ci.status.summary,
    ...(commits ? { commits } : {}),
    position: ahead + 1,
  };
}

/**
 * A deploy that a gate holds back once it was approved (at approval, or just before dispatch): back to the
 * queue when the gate clears by itself, else refused with the gate's reason. Returns the moved deploy.
 */
export async function holdBack(
  deps: AppDeps,
  deploy: Deploy,
  check: GateCheck & { blocking: NonNullable<GateCheck['blocking']> },
  note: AuditNote,
): Promise<Deploy | undefined> {
  const { blocking } = check;
  // A run GitHub holds (§16) cannot wait in the queue: refused, so GitHub hears why.
  const event = blocking.waitable && deploy.origin !== 'github' ? 'requeue' : 'deny';
  return transition(
    deps,
    deploy,
    event,
    {
      gates: check.lines,
      ...(event === 'requeue'
        ? {
            waitingFor: { code: blocking.code, reason: blocking.reason },
            queuePosition: check.position,
          }
        : { outcomeReason: blocking.reason, outcomeCode: blocking.code, finishedAt: deps.clock.now() }),
    },
    note,
  );
}
