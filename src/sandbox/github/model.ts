/** The local GitHub API's in-memory records (what its endpoints read and write). */

export interface GitPerson {
  readonly name: string;
  readonly email: string;
  readonly login: string;
  readonly date: string;
}

export interface CommitRecord {
  readonly sha: string;
  readonly treeSha: string;
  readonly message: string;
  readonly author: GitPerson;
  readonly parents: readonly string[];
}

export type CiState = 'success' | 'pending' | 'failure';

/** `waiting`: held at a protected environment until the deployment protection rule is answered. */
export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting';

export interface RunRecord {
  readonly id: number;
  readonly repo: string;
  readonly workflow: WorkflowRecord;
  readonly runNumber: number;
  readonly name: string;
  readonly event: string;
  readonly headBranch: string;
  readonly headSha: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  status: RunStatus;
  conclusion: string | null;
  runAttempt: number;
  readonly createdAt: string;
  updatedAt: string;
  runStartedAt: string;
  /** Decided at creation so failNext applies to the run it was meant for. */
  failing: boolean;
  /** Who started it (login); the bot's App when absent. */
  readonly actor?: string;
  /** The protected environment the run waits at, while its protection rule is unanswered. */
  waitingAt?: string;
}

export interface WorkflowRecord {
  readonly id: number;
  /** The workflow file name, e.g. deploy.yml. */
  readonly file: string;
  name: string;
  /** The file's YAML as committed on the default branch (tests may replace it). */
  source: string;
}

export interface DeploymentRecord {
  readonly id: number;
  readonly sha: string;
  readonly ref: string;
  readonly task: string;
  readonly environment: string;
  readonly originalEnvironment: string;
  readonly description: string | null;
  readonly payload: Record<string, unknown> | string;
  readonly productionEnvironment: boolean;
  readonly transientEnvironment: boolean;
  readonly createdAt: string;
  updatedAt: string;
  readonly statuses: DeploymentStatusRecord[];
}

export interface DeploymentStatusRecord {
  readonly id: number;
  readonly deploymentId: number;
  readonly state: string;
  readonly description: string;
  readonly logUrl: string;
  readonly environmentUrl: string;
  readonly environment: string;
  readonly createdAt: string;
}

export interface RepoRecord {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  /** Every commit by sha. */
  readonly commits: Map<string, CommitRecord>;
  readonly branches: Map<string, string>;
  readonly tags: Map<string, string>;
  readonly ciStates: Map<string, CiState>;
  /** Check runs beyond the standard CI ones, by SHA (tests of required / ignored checks). */
  readonly extraChecks: Map<string, { readonly name: string; readonly state: CiState }[]>;
  readonly workflows: WorkflowRecord[];
  readonly runs: RunRecord[];
  readonly deployments: DeploymentRecord[];
}
