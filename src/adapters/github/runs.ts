import type { Run, RunStatus } from '../../app/ports/github.js';
import type { RunJson } from './schemas.js';

const STATUSES: readonly RunStatus[] = [
  'queued',
  'in_progress',
  'completed',
  'waiting',
  'requested',
  'pending',
];

export function toRun(json: RunJson): Run {
  // GitHub has more statuses than the app cares about (action_required, …); they all mean "not finished".
  const status = STATUSES.find((s) => s === json.status) ?? 'pending';
  return {
    id: json.id,
    status,
    conclusion: json.conclusion,
    htmlUrl: json.html_url,
    headSha: json.head_sha,
    name: json.display_title ?? json.name ?? '',
    createdAt: new Date(json.created_at),
    updatedAt: new Date(json.updated_at),
    runAttempt: json.run_attempt ?? 1,
  };
}

/** Whether a run name carries the deploy id as a whole word ("deploy D7K3F9QX", not "D7K3F9QX2"). */
export function namesDeploy(name: string, deployId: string): boolean {
  const escaped = deployId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_-])${escaped}($|[^A-Za-z0-9_-])`).test(name);
}

/** GitHub's `created` filter, to the second (run times have no milliseconds). */
export function createdSince(since: Date): string {
  const seconds = Math.floor(since.getTime() / 1000) * 1000;
  return `>=${new Date(seconds).toISOString().replace('.000Z', 'Z')}`;
}
