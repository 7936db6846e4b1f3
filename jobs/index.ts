import type { JobDefinition } from '../src/adapters/scheduler/job.js';

/** Every durable job, listed explicitly. */
export const jobs: readonly JobDefinition<never>[] = [];
