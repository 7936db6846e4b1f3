import type { Migration } from '../src/adapters/mongo/migrations.js';

/**
 * The deploy outbox (src/app/pipeline): an index for the worker's sweep over deploys with pending effects,
 * and `waitingFor` stored as `{ code, reason }` where older versions wrote the string "CODE: reason".
 * Self-contained on purpose: a migration must not change when app code does. Idempotent: a second run finds
 * no string left to convert.
 */
const CODE_AND_REASON = /^([A-Z_]+): ([\s\S]*)$/;

const migration: Migration = {
  description: 'deploy outbox index; waitingFor as { code, reason }',
  async up({ db, log }) {
    const deploys = db.collection<{ _id: string; waitingFor?: unknown }>('deploys');
    await deploys.createIndex({ outbox: 1, updatedAt: 1 }, { name: 'deploys_outbox_updatedAt' }, undefined);
    let converted = 0;
    for await (const doc of deploys.find({ waitingFor: { $type: 'string' } })) {
      const text = doc.waitingFor as string;
      const match = CODE_AND_REASON.exec(text);
      const waitingFor = match ? { code: match[1], reason: match[2] } : { code: 'BUSY', reason: text };
      await deploys.updateOne({ _id: doc._id, waitingFor: text }, { $set: { waitingFor } });
      converted += 1;
    }
    log.info({ converted }, 'waitingFor converted');
  },
};
export default migration;
