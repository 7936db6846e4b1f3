import { describe, expect, it } from 'vitest';
import { testDatabase, withDatabase } from '../helpers/mongo.js';

const db = testDatabase();

describe('test MongoDB harness', () => {
  it('gives each file its own database named after the file', async () => {
    expect(db.dbName).toMatch(/^mongo-harness_[0-9a-f]{8}$/);
    await db.connection.asPromise();
    await db.connection.collection('probe').insertOne({ _id: 'x' as never, at: new Date(0) });
    const found = await db.connection.collection('probe').findOne({});
    expect(found).toEqual({ _id: 'x', at: new Date(0) });
    expect(db.connection.db?.databaseName).toBe(db.dbName);
  });

  it('puts the database name into a URI and keeps its options', () => {
    expect(withDatabase('mongodb://u:p@h1:1,h2:2/?replicaSet=rs', 'x')).toBe(
      'mongodb://u:p@h1:1,h2:2/x?replicaSet=rs',
    );
    expect(withDatabase('mongodb://127.0.0.1:5', 'db')).toBe('mongodb://127.0.0.1:5/db');
  });
});
