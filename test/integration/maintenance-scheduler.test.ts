import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGENDA_COLLECTION, createScheduler, type Scheduler } from '../../src/adapters/scheduler/agenda.js';
import { defineJob } from '../../src/adapters/scheduler/job.js';
import { setMaintenance } from '../../src/app/maintenance.js';
import { isMaintenanceOn } from '../../src/app/settings.js';
import { createLogger } from '../../src/logger.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { testDatabase } from '../helpers/mongo.js';

const database = testDatabase();
const ran: string[] = [];
const job = (name: string, critical: boolean) =>
  defineJob({
    name,
    critical,
    data: z.object({ round: z.number() }).loose(),
    run({ round }) {
      ran.push(`${name}#${round}`);
      return Promise.resolve();
    },
  });

let h: AppHarness;
let scheduler: Scheduler;
beforeAll(async () => {
  await database.connection.asPromise();
  h = await startAppHarness();
  scheduler = createScheduler({
    db: database.connection.db!,
    jobs: [job('test-reminder', false), job('test-tracking', true)],
    log: createLogger({ level: 'silent' }),
    processEveryMs: 100,
    isPaused: () => isMaintenanceOn(h.deps.repos.settings),
  });
  await scheduler.start(h.deps);
});
afterAll(async () => {
  await scheduler.stop(5_000);
  await h.close();
});

/** Waits (bounded) until agenda has finished every job of `round`, run or skipped. */
async function processed(round: number): Promise<void> {
  const jobs = database.connection.db!.collection(AGENDA_COLLECTION);
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const done = await jobs.countDocuments({ 'data.round': round, lastFinishedAt: { $ne: null } });
    if (done === 2) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`round ${round} was not processed within 15 s`);
}

describe('maintenance pauses non-critical jobs (scheduler level)', () => {
  it('skips a non-critical job while maintenance is on, runs the critical one, and resumes when it is off', async () => {
    await setMaintenance(h.deps, people.bob, true, 'db upgrade');
    await scheduler.schedule('test-reminder', { round: 1 });
    await scheduler.schedule('test-tracking', { round: 1 });
    await processed(1);
    expect(ran).toEqual(['test-tracking#1']);

    await setMaintenance(h.deps, people.bob, false, 'done');
    await scheduler.schedule('test-reminder', { round: 2 });
    await scheduler.schedule('test-tracking', { round: 2 });
    await processed(2);
    expect([...ran].sort()).toEqual(['test-reminder#2', 'test-tracking#1', 'test-tracking#2']);
  });
});
