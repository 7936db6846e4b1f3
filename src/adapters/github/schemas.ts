import { z } from 'zod';
import { GitHubError } from '../../app/ports/github.js';

/** The parts of GitHub's answers the bot relies on; anything else in an answer is ignored. */

const sha = z.string().regex(/^[0-9a-f]{40}$/, 'not a 40-hex SHA');
const isoDate = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not a date');

export const commitSchema = z.object({
  sha,
  commit: z.object({
    message: z.string(),
    author: z.object({ name: z.string().optional(), date: isoDate.optional() }).nullable(),
    committer: z.object({ date: isoDate.optional() }).nullable().optional(),
  }),
  author: z.object({ login: z.string().optional() }).nullable().optional(),
});
export type CommitJson = z.infer<typeof commitSchema>;

export const comparisonSchema = z.object({
  status: z.enum(['ahead', 'behind', 'identical', 'diverged']),
  ahead_by: z.number().int().nonnegative(),
  behind_by: z.number().int().nonnegative(),
  commits: z.array(commitSchema),
});

export const combinedStatusSchema = z.object({
  state: z.string(),
  total_count: z.number().int().nonnegative(),
  statuses: z.array(z.object({ state: z.string(), context: z.string() })),
});

export const checkRunsSchema = z.object({
  total_count: z.number().int().nonnegative(),
  check_runs: z.array(z.object({ name: z.string(), status: z.string(), conclusion: z.string().nullable() })),
});

export const dispatchDetailsSchema = z.object({
  workflow_run_id: z.number().int().positive(),
  run_url: z.string(),
  html_url: z.string(),
});

export const runSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().nullable().optional(),
  display_title: z.string().optional(),
  status: z.string().nullable(),
  conclusion: z.string().nullable(),
  html_url: z.string(),
  head_sha: sha,
  created_at: isoDate,
  updated_at: isoDate,
  run_attempt: z.number().int().positive().optional(),
});
export type RunJson = z.infer<typeof runSchema>;

export const runListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  workflow_runs: z.array(runSchema),
});

export const deploymentSchema = z.object({ id: z.number().int().positive() });

export const gitRefSchema = z.object({
  ref: z.string(),
  object: z.object({ sha, type: z.string() }),
});

export const rateLimitSchema = z.object({
  resources: z.object({
    core: z.object({ limit: z.number(), remaining: z.number(), reset: z.number() }),
  }),
});

/** Parses an answer, or throws a GitHubError naming what was wrong with it (never the whole answer). */
export function parseAnswer<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
  throw new GitHubError(
    'invalid_response',
    `GitHub sent an unexpected answer to ${what} (${where}: ${issue?.message ?? 'invalid'})`,
  );
}
