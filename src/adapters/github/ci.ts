import type { CiStatus } from '../../app/ports/github.js';

const PASSING = new Set(['success', 'neutral', 'skipped']);

interface Statuses {
  readonly state: string;
  readonly total_count: number;
  readonly statuses: readonly { state: string; context: string }[];
}
interface CheckRuns {
  readonly check_runs: readonly { name: string; status: string; conclusion: string | null }[];
}

/** One verdict over commit statuses and check runs: any failure fails, anything unfinished is pending. */
export function summariseCi(statuses: Statuses, checks: CheckRuns): CiStatus {
  const items = [
    ...statuses.statuses.map((s) => ({
      name: s.context,
      verdict: s.state === 'success' ? 'pass' : s.state === 'pending' ? 'pending' : 'fail',
    })),
    ...checks.check_runs.map((c) => ({
      name: c.name,
      verdict: c.status !== 'completed' ? 'pending' : PASSING.has(c.conclusion ?? '') ? 'pass' : 'fail',
    })),
  ];
  if (items.length === 0) return { state: 'none', summary: 'no CI checks reported' };
  const failing = items.filter((i) => i.verdict === 'fail').map((i) => i.name);
  const pending = items.filter((i) => i.verdict === 'pending').map((i) => i.name);
  if (failing.length > 0)
    return { state: 'failure', summary: `${failing.length} failing: ${failing.slice(0, 3).join(', ')}` };
  if (pending.length > 0)
    return { state: 'pending', summary: `${pending.length} of ${items.length} still running` };
  return { state: 'success', summary: `${items.length}/${items.length} checks passed` };
}
