import type { ErrorCode } from './errors.js';
import type { Deploy, LockKind } from './model.js';
import { ancestryVerdict, matchesAny, shortRef, type Ancestry } from './policy.js';
import { formatLocalTime } from './text.js';

/**
 * The pre-deploy checklist (SPEC §5), evaluated from plain data the app gathered. Evaluated at request,
 * at approval and immediately before dispatch. Reasons are plain text and may contain user text (a lock
 * or maintenance reason, a freeze reason): renderers escape them like any user text.
 */

export type GateName =
  | 'maintenance'
  | 'freeze'
  | 'lock'
  | 'busy'
  | 'staging'
  | 'ci'
  | 'smoke'
  | 'credentials'
  // Policy (§16).
  | 'refs'
  | 'ancestry';

export type CiState = 'success' | 'pending' | 'failure' | 'none';

export interface GateInput {
  /** Whether the target env is the prod env: staging status and nightly smoke only gate prod. */
  readonly isProd: boolean;
  readonly maintenance: { readonly on: boolean; readonly reason?: string | undefined };
  /** The freeze in force or in its buffer for this env (e.g. a `freezeStatus` that is frozen), if any. */
  readonly freeze?: { readonly name: string; readonly endsAt: Date; readonly inBuffer: boolean } | undefined;
  readonly lock?:
    | {
        readonly kind: LockKind;
        readonly reason: string;
        /** who holds a manual lock, until when, and whether it holds every env. */
        readonly by?: string | undefined;
        readonly expiresAt?: Date | undefined;
        readonly global?: boolean | undefined;
      }
    | undefined;
  /** earlier requests for the service+env still waiting their turn (the FIFO queue). */
  readonly aheadInLine?: number | undefined;
  /** Another deploy of the service to this env in an active state. */
  readonly busyDeployId?: string | undefined;
  /** Prod only: the same SHA on staging. */
  readonly staging?: { readonly deployed: boolean; readonly verified: boolean } | undefined;
  /** Combined state of the SHA's CI checks. "none" (no checks reported) is not green. */
  readonly ci: CiState;
  /** The last nightly smoke on staging was red: a soft freeze on prod. */
  readonly smokeRed: boolean;
  readonly credentialsOk: boolean;
  /** What is wrong with the credentials (each with its fix), shown when they block. */
  readonly credentialsProblem?: string | undefined;
  /** A warning on a passing credentials gate, e.g. the token expires within 7 days. */
  readonly credentialsWarning?: string | undefined;
  /** An R5's freeze override (with a rollback plan) is attached: lifts FROZEN and SMOKE_RED only. */
  readonly override: boolean;
  /** Timezone for times in reasons; defaults to UTC. */
  readonly timeZone?: string | undefined;
  // Policy (§16): each gate applies only when its input is given.
  /** The env's `allowedRefs` and the ref the deploy comes from. */
  readonly refs?: { readonly ref: string; readonly allowed: readonly string[] } | undefined;
  /** Prod: how the SHA relates to the SHA now on prod. */
  readonly ancestry?: Ancestry | undefined;
}

export interface GateResult {
  readonly gate: GateName;
  readonly code: ErrorCode;
  readonly ok: boolean;
  readonly reason: string;
  /** A failure that clears by itself (freeze ends, lock released, other deploy finishes): the request can wait in the queue. */
  readonly waitable: boolean;
  /** When a waitable failure is expected to clear, if known (the end of the freeze). */
  readonly until?: Date;
}

export interface GateSummary {
  readonly ok: boolean;
  /** The first failed gate in display order. */
  readonly blocking: GateResult | undefined;
  readonly failed: readonly GateResult[];
  /** Every failure is waitable: queue the request rather than refuse it. */
  readonly canQueue: boolean;
}

/** Checklist labels, in display order. */
export const GATE_LABELS: Readonly<Record<GateName, string>> = {
  maintenance: 'Maintenance off',
  freeze: 'No freeze',
  lock: 'Environment not locked',
  busy: 'No other deploy in progress',
  staging: 'Deployed and verified on staging',
  ci: 'CI checks green',
  smoke: 'Nightly smoke green',
  credentials: 'GitHub credentials valid',
  refs: 'Ref allowed for this environment',
  ancestry: 'Contains what runs on prod',
};

type Outcome = Pick<GateResult, 'ok' | 'reason'> & { readonly until?: Date };

const pass = (reason: string): Outcome => ({ ok: true, reason });
const block = (reason: string, until?: Date): Outcome =>
  until ? { ok: false, reason, until } : { ok: false, reason };

function result(gate: GateName, code: ErrorCode, waitable: boolean, outcome: Outcome): GateResult {
  return { gate, code, waitable: !outcome.ok && waitable, ...outcome };
}

function freezeOutcome(input: GateInput): Outcome {
  const freeze = input.freeze;
  if (!freeze) return pass('No freeze now');
  const until = formatLocalTime(freeze.endsAt, input.timeZone ?? 'UTC');
  if (input.override) return pass(`${freeze.name} freeze overridden by an R5 (emergency)`);
  const what = freeze.inBuffer ? `In the buffer before ${freeze.name}` : `${freeze.name} freeze`;
  return block(`${what} until ${until}`, freeze.endsAt);
}

function stagingOutcome(input: GateInput): Outcome {
  if (!input.staging?.deployed) return block('This SHA has not been deployed to staging');
  if (!input.staging.verified) return block('This SHA is on staging but not verified yet');
  return pass('This SHA is deployed and verified on staging');
}

function lockOutcome(input: GateInput): Outcome {
  const lock = input.lock;
  if (!lock) return pass('Not locked');
  if (lock.by === undefined)
    return block(`Locked (${lock.kind === 'faulty' ? 'faulty deploy' : 'manual'}): ${lock.reason}`);
  const what = lock.global ? 'Every environment is locked' : 'Locked';
  const until = lock.expiresAt ? ` until ${formatLocalTime(lock.expiresAt, input.timeZone ?? 'UTC')}` : '';
  return block(`${what} by ${lock.by}${until}: ${lock.reason}`, lock.expiresAt);
}

function busyOutcome(input: GateInput): Outcome {
  if (input.busyDeployId) return block(`Deploy ${input.busyDeployId} is in progress`);
  const ahead = input.aheadInLine ?? 0;
  if (ahead > 0)
    return block(`${ahead} earlier request${ahead === 1 ? ' waits' : 's wait'} their turn first`);
  return pass('No deploy in progress');
}

function refsOutcome(refs: NonNullable<GateInput['refs']>): Outcome {
  const ref = shortRef(refs.ref);
  if (matchesAny(ref, refs.allowed)) return pass(`${ref} is allowed`);
  return block(
    `Deploys to this environment come from ${refs.allowed.join(', ')}; "${ref}" is not one of them`,
  );
}

const CI_OUTCOMES: Readonly<Record<CiState, Outcome>> = {
  success: pass('CI checks are green'),
  pending: block('CI checks are still running'),
  failure: block('CI checks failed'),
  none: block('No CI checks reported for this SHA'),
};

/** Every gate that applies, in display order. */
export function evaluateGates(input: GateInput): GateResult[] {
  const results: GateResult[] = [
    result(
      'maintenance',
      'MAINTENANCE',
      false,
      input.maintenance.on
        ? block(
            input.maintenance.reason ? `Maintenance is on: ${input.maintenance.reason}` : 'Maintenance is on',
          )
        : pass('Maintenance is off'),
    ),
    result('freeze', 'FROZEN', true, freezeOutcome(input)),
    result('lock', 'LOCKED', true, lockOutcome(input)),
    result('busy', 'BUSY', true, busyOutcome(input)),
  ];
  if (input.refs) results.push(result('refs', 'REF_NOT_ALLOWED', false, refsOutcome(input.refs)));
  if (input.isProd) results.push(result('staging', 'NOT_ON_STAGING', false, stagingOutcome(input)));
  if (input.ancestry) {
    const verdict = ancestryVerdict(input.ancestry);
    // Unknown ancestry (GitHub down) fails closed with its own code: the SHA may well be fine.
    const code = verdict.unknown ? 'GITHUB_UNAVAILABLE' : 'BEHIND_PROD';
    results.push(result('ancestry', code, false, verdict.ok ? pass(verdict.reason) : block(verdict.reason)));
  }
  // Fail closed: a CI state this table does not know (a new GitHub value) is not green.
  const ci =
    (CI_OUTCOMES as Partial<Record<string, Outcome>>)[input.ci] ?? block(`CI state "${input.ci}" is unknown`);
  results.push(result('ci', 'CI_NOT_GREEN', false, ci));
  if (input.isProd) {
    const smoke = !input.smokeRed
      ? pass('Last nightly smoke was green')
      : input.override
        ? pass('Nightly smoke soft freeze overridden by an R5 (emergency)')
        : block('Last nightly smoke on staging was red (soft freeze)');
    // A soft freeze: it clears at the next green night, and an R5 may override it, so the request waits.
    results.push(result('smoke', 'SMOKE_RED', true, smoke));
  }
  results.push(
    result(
      'credentials',
      'GITHUB_CREDENTIALS',
      false,
      input.credentialsOk
        ? pass(
            input.credentialsWarning
              ? `GitHub credentials are valid; ⚠️ ${input.credentialsWarning}`
              : 'GitHub credentials are valid',
          )
        : block(
            input.credentialsProblem
              ? `GitHub credentials: ${input.credentialsProblem}`
              : 'GitHub credentials are invalid or lack access',
          ),
    ),
  );
  return results;
}

/** The first failed gate in display order, if any. */
export function firstBlocking(results: readonly GateResult[]): GateResult | undefined {
  return results.find((r) => !r.ok);
}

export function summarize(results: readonly GateResult[]): GateSummary {
  const failed = results.filter((r) => !r.ok);
  return {
    ok: failed.length === 0,
    blocking: failed[0],
    failed,
    canQueue: failed.length > 0 && failed.every((r) => r.waitable),
  };
}

/** One checklist line as data; the Discord renderer adds ✅/❌ and formatting. */
export function renderChecklistLine(result: GateResult): {
  ok: boolean;
  code: ErrorCode;
  label: string;
  reason: string;
} {
  return { ok: result.ok, code: result.code, label: GATE_LABELS[result.gate], reason: result.reason };
}

/** Gates an R5 may override for one deploy (§7, §8): a freeze, and the nightly smoke's soft freeze. */
export const OVERRIDABLE = ['FROZEN', 'SMOKE_RED'] as const;

/** The gate a queued deploy waits for, when an override can lift it. */
export function overridableGate(deploy: Deploy): (typeof OVERRIDABLE)[number] | undefined {
  if (deploy.state !== 'queued' || deploy.override) return undefined;
  const code = deploy.waitingFor?.code;
  return OVERRIDABLE.find((overridable) => overridable === code);
}
