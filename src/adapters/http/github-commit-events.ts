import { z } from 'zod';
import { autoDeployCommit, followingServices } from '../../app/continuous/auto-deploy.js';
import type { AppDeps } from '../../app/ports/deps.js';

/** Events that may make a new default-branch commit deployable (§15): it arrived, or its CI finished. */
export const COMMIT_EVENTS = ['push', 'check_suite', 'status'] as const;
export type CommitEvent = (typeof COMMIT_EVENTS)[number];
export function isCommitEvent(event: unknown): event is CommitEvent {
  return COMMIT_EVENTS.includes(event as CommitEvent);
}

const repository = z.object({ full_name: z.string() });
const SHA = /^[0-9a-f]{40}$/i;
const payloads = {
  push: z.object({ ref: z.string(), after: z.string(), deleted: z.boolean().optional(), repository }),
  check_suite: z.object({
    action: z.string(),
    check_suite: z.object({
      head_branch: z.string().nullable(),
      head_sha: z.string(),
      conclusion: z.string().nullable(),
    }),
    repository,
  }),
  status: z.object({
    sha: z.string(),
    state: z.string(),
    branches: z.array(z.object({ name: z.string() })).default([]),
    repository,
  }),
};

interface Commit {
  readonly repo: string;
  readonly branches: readonly string[];
  readonly sha: string;
}

/** The commit an event is about, when it could be deployable; undefined for what cannot (red, deleted). */
function commitOf(event: CommitEvent, body: unknown): Commit | undefined {
  switch (event) {
    case 'push': {
      const p = payloads.push.parse(body);
      const branch = /^refs\/heads\/(.+)$/.exec(p.ref)?.[1];
      if (!branch || p.deleted === true) return undefined;
      return { repo: p.repository.full_name, branches: [branch], sha: p.after };
    }
    case 'check_suite': {
      const p = payloads.check_suite.parse(body);
      if (p.action !== 'completed' || p.check_suite.conclusion !== 'success') return undefined;
      const branch = p.check_suite.head_branch;
      return branch
        ? { repo: p.repository.full_name, branches: [branch], sha: p.check_suite.head_sha }
        : undefined;
    }
    case 'status': {
      const p = payloads.status.parse(body);
      if (p.state !== 'success') return undefined;
      return { repo: p.repository.full_name, branches: p.branches.map((b) => b.name), sha: p.sha };
    }
  }
}

/**
 * `push`, `check_suite` and `status` deliveries (signature already checked): each opted-in service following
 * that branch of that repo gets a look at the commit. The combined CI state is read from GitHub, never taken
 * from the event alone (one green check suite is not every check). Returns the webhook answer's text.
 */
export async function applyCommitEvent(
  deps: AppDeps,
  event: CommitEvent,
  payload: unknown,
): Promise<{ status: number; body: string }> {
  let commit: Commit | undefined;
  try {
    commit = commitOf(event, payload);
  } catch {
    return { status: 400, body: `not a ${event} payload` };
  }
  if (!commit || !SHA.test(commit.sha)) return { status: 202, body: 'nothing to deploy' };
  const outcomes: string[] = [];
  for (const branch of commit.branches) {
    for (const { name } of followingServices(deps, commit.repo, branch)) {
      const outcome = await autoDeployCommit(deps, name, commit.sha.toLowerCase(), event);
      outcomes.push(`${name}: ${outcome.kind}`);
    }
  }
  return { status: 202, body: outcomes.length > 0 ? outcomes.join(', ') : 'no service follows it' };
}
