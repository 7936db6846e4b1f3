import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../../logger.js';

export interface ConnectMongoOptions {
  log: Logger;
  /** Connection attempts before giving up (default 5). */
  attempts?: number;
  /** Wait before the second attempt; doubles after each failure (default 500 ms). */
  delayMs?: number;
  /** Per attempt: how long the driver looks for a server (default 3 s). */
  serverSelectionTimeoutMS?: number;
}

/**
 * Opens a mongoose connection of its own (never the global default one), retrying with backoff.
 * Indexes and collections are owned by the migrations (`npm run migrate`), so mongoose builds none.
 */
export async function connectMongo(uri: string, options: ConnectMongoOptions): Promise<Connection> {
  const { log, attempts = 5, delayMs = 500, serverSelectionTimeoutMS = 3_000 } = options;
  const hosts = mongoHosts(uri);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const connection = mongoose.createConnection(uri, {
      serverSelectionTimeoutMS,
      autoIndex: false,
      autoCreate: false,
    });
    try {
      await connection.asPromise();
      log.info({ hosts, attempt }, 'connected to MongoDB');
      return connection;
    } catch (error) {
      lastError = error;
      await connection.close().catch(() => undefined);
      log.warn({ hosts, attempt, attempts, err: error }, 'MongoDB not reachable yet');
      if (attempt < attempts) await sleep(delayMs * 2 ** (attempt - 1));
    }
  }
  throw new Error(`MongoDB at ${hosts} is unreachable after ${attempts} attempts`, { cause: lastError });
}

/** The host list of a MongoDB URI, without user name or password ("h1:27017,h2:27017"). */
export function mongoHosts(uri: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/.exec(uri);
  return match?.[1] || 'an unparseable URI';
}

/** Round trip of a `ping` command, for /readyz and /health. Throws when MongoDB does not answer. */
export async function ping(connection: Connection): Promise<{ ok: true; ms: number }> {
  const db = connection.db;
  if (!db) throw new Error('MongoDB connection is not open');
  const started = performance.now();
  await db.command({ ping: 1 });
  return { ok: true, ms: Math.round((performance.now() - started) * 10) / 10 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
