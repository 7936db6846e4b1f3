import type { Migration } from '../src/adapters/mongo/migrations.js';

/**
 * The collections and their indexes. Ids live in `_id` (deploy id, approval = its deploy id, freeze id,
 * audit entry id, setting key, lease name), which MongoDB keeps unique; the other unique index is what makes
 * lock acquisition atomic. Self-contained on purpose: a migration must not change when app code does.
 */
const COLLECTIONS = ['deploys', 'approvals', 'freezes', 'locks', 'audit', 'settings', 'leases'] as const;

const INDEXES: Record<string, { key: Record<string, 1 | -1>; name: string; unique?: true }[]> = {
  locks: [{ key: { service: 1, env: 1, kind: 1 }, name: 'locks_service_env_kind_unique', unique: true }],
  deploys: [
    { key: { service: 1, env: 1, createdAt: -1 }, name: 'deploys_service_env_createdAt' },
    { key: { state: 1, createdAt: -1 }, name: 'deploys_state_createdAt' },
    { key: { runId: 1 }, name: 'deploys_runId' },
  ],
  approvals: [{ key: { status: 1, requestedAt: 1 }, name: 'approvals_status_requestedAt' }],
  freezes: [{ key: { endsAt: 1, startsAt: 1 }, name: 'freezes_endsAt_startsAt' }],
  audit: [
    { key: { at: -1 }, name: 'audit_at' },
    { key: { service: 1, at: -1 }, name: 'audit_service_at' },
    { key: { 'actor.id': 1, at: -1 }, name: 'audit_actor_at' },
    { key: { deployId: 1, at: -1 }, name: 'audit_deployId_at' },
  ],
};

const migration: Migration = {
  description: 'create collections and indexes',
  async up({ db, log }) {
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const name of COLLECTIONS) {
      if (!existing.has(name)) await db.createCollection(name);
    }
    for (const [collection, indexes] of Object.entries(INDEXES)) {
      for (const { key, ...options } of indexes) {
        // Same name and key as an existing index: a no-op, so re-running is safe.
        await db.collection(collection).createIndex(key, options, undefined);
      }
      log.info({ collection, indexes: indexes.length }, 'indexes ensured');
    }
  },
};
export default migration;
