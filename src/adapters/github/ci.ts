import type { CiStatus } from '../../app/ports/github.js';
import { matchesAny, type CiPolicy } from '../../domain/policy.js';

const PASSING = new Set(['success', 'neutral', 'skipped']);

interface Statuses {
  readonly state: string;
  readonly total_count: number;
  readonly statuses: readonly { state: string; context: string }[];
}
interface CheckRuns {
  readonly check_runs: readonly { name: string; status: string; conclusion: string | null }[];
}

type Verdict = 'pass' | 'pending' | 'fail';

/**
 * One verdict over commit statuses and check runs: any failure fails, anything unfinished is pending. The
 * env's policy (§16) refines it: `ignored` checks are left out, and each `required` check must be reported
 * (until it is, the SHA's CI is pending, as GitHub's branch protection waits for an expected check).
 */
export function summariseCi(statuses: Statuses, checks: CheckRuns, policy: CiPolicy = {}): CiStatus {
  const statusVerdict = (state: string): Verdict =>
    state === 'success' ? 'pass' : state === 'pending' ? 'pending' : 'fail';
  const checkVerdict = (status: string, conclusion: string | null): Verdict =>
    status !== 'completed' ? 'pending' : PASSING.has(conclusion ?? '') ? 'pass' : 'fail';
  const reported = [
    ...statuses.statuses.map((s) => ({ name: s.context, verdict: statusVerdict(s.state) })),
    ...checks.check_runs.map((c) => ({ name: c.name, verdict: checkVerdict(c.status, c.conclusion) })),
  ];
  const ignored = policy.ignored ?? [];
  const items = reported.filter((i) => !matchesAny(i.name, ignored));
  const missing = (policy.required ?? []).filter(
    (pattern) => !items.some((i) => matchesAny(i.name, [pattern])),
  );
  if (items.length === 0 && missing.length === 0) {
    return {
      state: 'none',
      summary: reported.length > 0 ? 'every reported CI check is ignored here' : 'no CI checks reported',
    };
  }
  const failing = items.filter((i) => i.verdict === 'fail').map((i) => i.name);
  const pending = items.filter((i) => i.verdict === 'pending').map((i) => i.name);
  if (failing.length > 0)
    return { state: 'failure', summary: `${failing.length} failing: ${failing.slice(0, 3).join(', ')}` };
  if (missing.length > 0)
    return {
      state: 'pending',
      summary: `required check${missing.length === 1 ? '' : 's'} not reported yet: ${missing.slice(0, 3).join(', ')}`,
    };
  if (pending.length > 0)
    return { state: 'pending', summary: `${pending.length} of ${items.length} still running` };
  return { state: 'success', summary: `${items.length}/${items.length} checks passed` };
}
