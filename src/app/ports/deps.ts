import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import type { Comparison, GitHubPort, Run } from './github.js';
import type { MetricsProvider } from './metrics.js';
import type { DeployNotifier } from './notifier.js';
import type { Repositories } from './repositories.js';
import type { StatusBoardPoster } from './status-board.js';

/** Facts about this running instance, for /health and /readyz. */
export interface InstanceInfo {
  readonly id: string;
  /** This process's start (unique per boot): a claim of this instance with another boot is a dead one's. */
  readonly boot: string;
  readonly version: string;
  readonly startedAt: Date;
  /** 'leader' holds the Discord gateway; 'standby' runs jobs and HTTP and posts through REST. */
  role(): 'leader' | 'standby' | 'starting';
  gatewayPingMs(): number | undefined;
}

/** Durable jobs (agenda) as the app sees them. */
export interface JobScheduler {
  /** Runs the job `name` at `at` (now when omitted). `uniqueKey` makes scheduling it twice a no-op. */
  schedule(
    name: string,
    data: Record<string, unknown>,
    options?: { at?: Date; uniqueKey?: string },
  ): Promise<void>;
  cancel(name: string, data: Record<string, unknown>): Promise<number>;
  stats(): Promise<{ queued: number; running: number; failed: number }>;
}

export interface Database {
  /** Round trip to MongoDB in ms; throws when it cannot be reached. */
  ping(): Promise<number>;
}

/** Everything the use-cases and commands need, wired once by main.ts (plain constructor arguments). */
export interface AppDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  readonly repos: Repositories;
  readonly github: GitHubPort;
  readonly jobs: JobScheduler;
  readonly db: Database;
  readonly instance: InstanceInfo;
  readonly notifier: DeployNotifier;
  /** This process's memory (run ETags, green CI): lost on restart, which only costs a read. */
  readonly local: InstanceMemory;
  /** This process's outbox worker (src/app/pipeline/worker.ts). */
  readonly outbox: OutboxRunner;
  /** Asks a service's health URL what runs there (§8). */
  readonly health: HealthChecker;
  /** Counts deploy markers and outcomes (Prometheus in production). */
  readonly events: DeployEvents;
  /** The pinned status board (§17); absent where nothing posts to Discord. */
  readonly board?: StatusBoardPoster;
  /** Where rollout and verification analysis read metrics (§15); absent: every analysis fails closed. */
  readonly metrics?: MetricsProvider;
}

/** What the flow reports for metrics; the HTTP adapter turns it into Prometheus counters. */
export interface DeployEvents {
  markerPosted(service: string, env: string): void;
  finished(service: string, env: string, outcome: string): void;
}

/** The last read of a workflow run, with its ETag: an unchanged run then costs a 304, free of rate limit. */
export interface RunMemory {
  last(runId: number): { etag: string | undefined; run: Run } | undefined;
  remember(runId: number, etag: string | undefined, run: Run): void;
  forget(runId: number): void;
}

export interface InstanceMemory {
  readonly runs: RunMemory;
  /** When a repo@sha was last seen green: a green result does not change, so it is not asked again soon. */
  readonly greenCi: Map<string, number>;
  /**
   * Compare answers by `repo base...head` (§16 ancestry): for two SHAs the answer never changes, so the gates
   * at approval and just before dispatch do not ask GitHub again. Optional: without it, every check asks.
   */
  readonly comparisons?: Map<string, Comparison>;
}

/** Works deploys' outboxes in this process (the fast path); see src/app/pipeline/worker.ts. */
export interface OutboxRunner {
  /** Starts working the deploy's outbox now; never waits, never throws. */
  kick(deployId: string): void;
  /** Works the deploy's outbox and waits until nothing due is left; never throws. */
  drain(deployId: string): Promise<void>;
  /** Waits for every outbox session of this process (graceful stop). */
  idle(): Promise<void>;
}

export interface HealthResult {
  readonly ok: boolean;
  /** The version the service reported when it answered 200 with another one. */
  readonly wrongVersion?: string;
  /** For people: "200, v2025.03.01", "503", "timed out". */
  readonly detail: string;
}

export interface HealthChecker {
  /** GET the health URL with a short timeout: ok when 200 and its JSON `version` is the expected one. */
  check(url: string, expectedVersion: string): Promise<HealthResult>;
}
