import type { RunRecord } from './model.js';
import type { RunAction } from './runs.js';

/** A run as tests and the sandbox see it. */
export interface LocalRun {
  readonly id: number;
  readonly repo: string;
  readonly workflow: string;
  readonly name: string;
  readonly status: RunRecord['status'];
  readonly conclusion: string | null;
  readonly headSha: string;
  readonly headBranch: string;
  readonly runAttempt: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  readonly time: number;
  readonly notModified: boolean;
}

export type RequestMatcher = { readonly method?: string; readonly path?: string | RegExp };

export type Inputs = Readonly<Record<string, unknown>>;
export interface LocalGitHubEvents {
  dispatch: [run: LocalRun, inputs: Inputs, repo: string, workflow: string];
  runUpdated: [run: LocalRun, action: RunAction];
  runCompleted: [run: LocalRun, inputs: Inputs, repo: string, workflow: string];
  /** An answer was written to a client (after it took effect): tests time crashes against it. */
  request: [request: RecordedRequest];
  /** A job waits at a protected environment: the `deployment_protection_rule` payload GitHub sends (§16). */
  protectionRule: [payload: { action: string } & Record<string, unknown>];
}

export interface Injected {
  readonly matcher: RequestMatcher;
  readonly status: number;
  /** Process the request first, then answer the error (the answer was lost, the effect was not). */
  readonly after: boolean;
}

export const toLocalRun = (run: RunRecord): LocalRun => ({
  id: run.id,
  repo: run.repo,
  workflow: run.workflow.file,
  name: run.name,
  status: run.status,
  conclusion: run.conclusion,
  headSha: run.headSha,
  headBranch: run.headBranch,
  runAttempt: run.runAttempt,
  inputs: run.inputs,
  createdAt: run.createdAt,
});
