import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { runMigrations } from '../../src/adapters/mongo/migrations.js';
import { createLogger } from '../../src/logger.js';

export interface TestDatabase {
  /** Server URI from global setup (no database in it). */
  readonly serverUri: string;
  readonly dbName: string;
  /** URI pointing at this database, for child processes (e.g. `npm run migrate`). */
  readonly uri: string;
  /** A mongoose connection to this database, opened now and closed after the file. */
  readonly connection: Connection;
}

/**
 * A database only the calling test file uses, named after the file plus a random suffix, dropped and
 * closed after the file. Call it at the top level of the file (or of a describe block). With `migrate`, the
 * project's migrations run first (needed by anything relying on indexes, e.g. LockRepository).
 */
export function testDatabase(name?: string, options: { migrate?: boolean } = {}): TestDatabase {
  const serverUri = inject('mongoUri');
  const dbName = `${sanitize(name ?? fileName())}_${randomBytes(4).toString('hex')}`;
  const connection = mongoose.createConnection(serverUri, { dbName, serverSelectionTimeoutMS: 10_000 });
  if (options.migrate) {
    // The real migrations: collections and the indexes correctness relies on (unique locks).
    beforeAll(async () => {
      await connection.asPromise();
      await runMigrations({ db: connection.db!, log: createLogger({ level: 'silent' }) });
    });
  }
  afterAll(async () => {
    try {
      await connection.asPromise();
      await connection.dropDatabase();
    } finally {
      await connection.close();
    }
  });
  return { serverUri, dbName, uri: withDatabase(serverUri, dbName), connection };
}

function fileName(): string {
  const testPath = expect.getState().testPath;
  return testPath ? basename(testPath).replace(/\.test\.[cm]?[jt]s$/, '') : 'test';
}

/** Database names: no dots, slashes or spaces, at most 64 bytes with the suffix. */
function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
}

/** Puts `dbName` in the path of a MongoDB URI, keeping its options. */
export function withDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match?.[1]) throw new Error('not a MongoDB URI');
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}
