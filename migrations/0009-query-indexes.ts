import type { Migration } from '../src/adapters/mongo/migrations.js';

/**
 * Indexes for every hot query (listed in src/adapters/mongo/query-shapes.ts): equality fields first, then
 * the sort keys including the `_id` tie-break, so MongoDB reads in order and stops at the limit instead of
 * sorting in memory; and the `/stats` read of deploys that went live since a date. Self-contained on
 * purpose: a migration must not change when app code does. Additive and idempotent: an index that exists
 * with the same name and key is a no-op.
 */
const INDEXES: Record<string, { key: Record<string, 1 | -1>; name: string }[]> = {
  deploys: [
    { key: { createdAt: -1, _id: -1 }, name: 'deploys_createdAt_id' },
    { key: { service: 1, createdAt: -1, _id: -1 }, name: 'deploys_service_createdAt_id' },
    { key: { service: 1, env: 1, createdAt: -1, _id: -1 }, name: 'deploys_service_env_createdAt_id' },
    { key: { state: 1, createdAt: -1, _id: -1 }, name: 'deploys_state_createdAt_id' },
    {
      key: { service: 1, env: 1, state: 1, createdAt: -1, _id: -1 },
      name: 'deploys_service_env_state_createdAt_id',
    },
    {
      key: { service: 1, env: 1, state: 1, sha: 1, createdAt: -1, _id: -1 },
      name: 'deploys_service_env_state_sha_createdAt_id',
    },
    { key: { state: 1, env: 1, finishedAt: 1 }, name: 'deploys_state_env_finishedAt' },
    { key: { service: 1, state: 1, env: 1, finishedAt: 1 }, name: 'deploys_service_state_env_finishedAt' },
  ],
  approvals: [{ key: { status: 1, requestedAt: 1, _id: 1 }, name: 'approvals_status_requestedAt_id' }],
  audit: [
    { key: { at: -1, _id: -1 }, name: 'audit_at_id' },
    { key: { service: 1, at: -1, _id: -1 }, name: 'audit_service_at_id' },
    { key: { service: 1, env: 1, at: -1, _id: -1 }, name: 'audit_service_env_at_id' },
    { key: { 'actor.id': 1, at: -1, _id: -1 }, name: 'audit_actor_at_id' },
    { key: { deployId: 1, at: -1, _id: -1 }, name: 'audit_deployId_at_id' },
  ],
};

const migration: Migration = {
  description: 'indexes for every hot query, sort tie-break included; deploys live since a date',
  async up({ db, log }) {
    for (const [collection, indexes] of Object.entries(INDEXES)) {
      for (const { key, name } of indexes)
        await db.collection(collection).createIndex(key, { name }, undefined);
      log.info({ collection, indexes: indexes.length }, 'query indexes ensured');
    }
  },
};
export default migration;
