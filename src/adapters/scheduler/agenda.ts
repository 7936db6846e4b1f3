import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda, type Job } from 'agenda';
import type { Db } from 'mongodb';
import type { AppDeps, JobScheduler } from '../../app/ports/deps.js';
import type { Logger } from '../../logger.js';
import type { RegisteredJob } from './job.js';

export const AGENDA_COLLECTION = 'agendaJobs';

export interface Scheduler extends JobScheduler {
  /** Registers the job processors and starts polling; `deps` is what the jobs receive. */
  start(deps: AppDeps): Promise<void>;
  /** Stops taking jobs and waits (bounded) for the running ones to finish. */
  stop(timeoutMs: number): Promise<void>;
  readonly started: boolean;
}

/** Agenda on the product's MongoDB: durable jobs shared by every instance, with agenda's own locking. */
export function createScheduler(options: {
  db: Db;
  jobs: readonly RegisteredJob[];
  log: Logger;
  processEveryMs?: number;
  isPaused?: () => Promise<boolean>;
}): Scheduler {
  const { log } = options;
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: options.db, collection: AGENDA_COLLECTION }),
    processEvery: options.processEveryMs ?? 1_000,
    defaultLockLifetime: 60_000,
  });
  agenda.on('error', (error) => log.error({ err: error }, 'agenda error'));
  let started = false;

  return {
    get started() {
      return started;
    },
    async start(deps) {
      for (const definition of options.jobs) {
        agenda.define(
          definition.name,
          async (job: Job) => {
            const child = log.child({ job: definition.name, jobId: String(job.attrs._id) });
            if (!definition.critical && (await options.isPaused?.())) {
              child.info('skipped: maintenance is on');
              return;
            }
            const parsed = definition.data.safeParse(job.attrs.data ?? {});
            if (!parsed.success) {
              // Bad data will never get better: log it and do not retry.
              child.error({ issues: parsed.error.issues }, 'job data is invalid; dropped');
              return;
            }
            await definition.run(parsed.data, { deps, log: child, attempt: job.attrs.failCount ?? 0 });
          },
          { lockLifetime: definition.lockLifetimeMs ?? 60_000, concurrency: 10 },
        );
      }
      await agenda.start();
      for (const definition of options.jobs) {
        if (definition.every) await agenda.every(definition.every(deps.config), definition.name, {});
        const cron = definition.cron?.(deps.config);
        if (cron) await agenda.every(cron.cron, definition.name, {}, { timezone: cron.timezone });
      }
      started = true;
    },
    async stop(timeoutMs) {
      if (!started) return;
      started = false;
      const result = await agenda.drain({ timeout: timeoutMs, closeConnection: false });
      if (result.timedOut) {
        log.warn({ running: result.running }, 'agenda did not drain in time; stopping');
        await agenda.stop(false);
      }
    },
    async schedule(name, data, scheduleOptions = {}) {
      const job = agenda.create(name, data);
      // insertOnly: scheduling the same key again must not reset (and re-run) a job that already exists.
      if (scheduleOptions.uniqueKey)
        job.unique({ 'data.uniqueKey': scheduleOptions.uniqueKey }, { insertOnly: true });
      if (scheduleOptions.uniqueKey) job.attrs.data = { ...data, uniqueKey: scheduleOptions.uniqueKey };
      job.schedule(scheduleOptions.at ?? new Date());
      await job.save();
    },
    async cancel(name, data) {
      const query: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(data)) query[key] = value;
      return agenda.cancel({ name, data: query });
    },
    async stats() {
      const overview = await agenda.getJobsOverview();
      return overview.reduce(
        (sum, row) => ({
          queued: sum.queued + row.queued + row.scheduled,
          running: sum.running + row.running,
          failed: sum.failed + row.failed,
        }),
        { queued: 0, running: 0, failed: 0 },
      );
    },
  };
}
