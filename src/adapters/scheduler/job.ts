import type { z } from 'zod';
import type { AppDeps } from '../../app/ports/deps.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';

export interface JobContext {
  readonly deps: AppDeps;
  readonly log: Logger;
  /** How many times agenda has tried this job before (0 on the first run). */
  readonly attempt: number;
}

/**
 * A durable job. `run` must be idempotent (running it twice has the effect of once): agenda may run a job
 * again after a crash. Data holds ids, never documents.
 */
export interface JobDefinition<D = unknown> {
  readonly name: string;
  readonly data: z.ZodType<D>;
  /**
   * Critical jobs (run tracking, verification of running deploys) go on during maintenance;
   * the others (nightly smoke, announcements, re-pings) are skipped while it is on.
   */
  readonly critical: boolean;
  /** A repeating job: how often it runs, from the configuration (ms), or a cron schedule. */
  readonly every?: (config: Config) => number;
  readonly cron?: (config: Config) => { cron: string; timezone: string };
  /** How long one run may hold the job's lock before another instance may take it over. */
  readonly lockLifetimeMs?: number;
  run(data: D, context: JobContext): Promise<void>;
}

/** A job as the scheduler holds it: its data type is known only inside its own file. */
export type RegisteredJob = JobDefinition;

export function defineJob<D>(definition: JobDefinition<D>): RegisteredJob {
  return definition;
}
