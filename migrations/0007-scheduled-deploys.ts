import type { Migration } from '../src/adapters/mongo/migrations.js';

/**
 * Scheduled deploys (§15): `/schedule list` reads the deploys in `scheduled` by their time. Idempotent:
 * creating an index that exists with the same keys and name is a no-op.
 */
const migration: Migration = {
  description: 'index of scheduled deploys by fire time',
  async up({ db }) {
    await db
      .collection('deploys')
      .createIndex({ state: 1, scheduledFor: 1 }, { name: 'deploys_state_scheduledFor' }, undefined);
  },
};
export default migration;
