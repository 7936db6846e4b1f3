import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import type { GitHubPort } from './github.js';
import type { RunWatch } from '../deploys/track.js';
import type { DeployNotifier } from './notifier.js';
import type { Repositories } from './repositories.js';

/** Facts about this running instance, for /health and /readyz. */
export interface InstanceInfo {
  readonly id: string;
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
  /** This process's memory of workflow runs (ETags); see RunWatch. */
  readonly runWatch: RunWatch;
  /** Counts deploy markers and outcomes (Prometheus in production). */
  readonly events: DeployEvents;
}

/** What the flow reports for metrics; the HTTP adapter turns it into Prometheus counters. */
export interface DeployEvents {
  markerPosted(service: string, env: string): void;
  finished(service: string, env: string, outcome: string): void;
}
