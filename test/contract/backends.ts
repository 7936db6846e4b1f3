import { randomBytes } from 'node:crypto';
import { beforeAll, beforeEach, describe } from 'vitest';
import type { Repositories } from '../../src/app/ports/repositories.js';
import { createMemoryRepositories } from '../../src/adapters/memory/repositories.js';
import { createMongoRepositories } from '../../src/adapters/mongo/repositories.js';
import { testDatabase } from '../helpers/mongo.js';

/**
 * Runs one contract suite against the in-memory fake and against MongoDB (the test server, one migrated
 * database per file). Mongo data persists across tests in a file, so suites use fresh ids (`uid`).
 */
export function forEachBackend(title: string, suite: (repos: () => Repositories) => void): void {
  describe(`${title} (memory)`, () => {
    let repos: Repositories;
    beforeEach(() => {
      repos = createMemoryRepositories();
    });
    suite(() => repos);
  });
  describe(`${title} (mongodb)`, () => {
    const db = testDatabase(undefined, { migrate: true });
    let repos: Repositories;
    beforeAll(() => {
      repos = createMongoRepositories(db.connection);
    });
    suite(() => repos);
  });
}

export const uid = (prefix = 'x'): string => `${prefix}${randomBytes(5).toString('hex')}`;
export const at = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 12, minute));
export const alice = { id: 'u-alice', name: 'Alice' };
export const bob = { id: 'u-bob', name: 'Bob' };
