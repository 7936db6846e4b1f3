import { describe, expect, it } from 'vitest';
import { connectMongo, ping } from '../../src/adapters/mongo/connection.js';
import { createModels } from '../../src/adapters/mongo/models.js';
import { createMongoRepositories } from '../../src/adapters/mongo/repositories.js';
import { createLogger } from '../../src/logger.js';
import { testDatabase } from '../helpers/mongo.js';

const log = createLogger({ level: 'silent' });
const db = testDatabase(undefined, { migrate: true });

describe('MongoDB adapter', () => {
  it('refuses to update or delete audit entries through the model', async () => {
    const repos = createMongoRepositories(db.connection);
    await repos.audit.append({
      id: 'A1',
      at: new Date(0),
      actor: { id: 'u', name: 'U' },
      action: 'deploy.requested',
    });
    const { audit } = createModels(db.connection);
    await expect(audit.updateOne({ _id: 'A1' }, { $set: { action: 'x' } })).rejects.toThrow(/insert-only/);
    await expect(audit.deleteOne({ _id: 'A1' })).rejects.toThrow(/insert-only/);
    await expect(audit.findOneAndUpdate({ _id: 'A1' }, { $set: { action: 'x' } })).rejects.toThrow(
      /insert-only/,
    );
    expect((await repos.audit.find({ limit: 5 })).map((e) => e.action)).toEqual(['deploy.requested']);
  });

  it('connects with retry and measures a ping', async () => {
    const connection = await connectMongo(db.uri, { log });
    try {
      expect(await ping(connection)).toMatchObject({ ok: true, ms: expect.any(Number) });
    } finally {
      await connection.close();
    }
  });

  it('names the host but not the password when MongoDB is unreachable', async () => {
    const attempt = connectMongo('mongodb://admin:s3cret@127.0.0.1:1/app', {
      log,
      attempts: 2,
      delayMs: 10,
      serverSelectionTimeoutMS: 200,
    });
    await expect(attempt).rejects.toThrow('MongoDB at 127.0.0.1:1 is unreachable after 2 attempts');
    await expect(attempt).rejects.not.toThrow(/s3cret|admin/);
  });
});
