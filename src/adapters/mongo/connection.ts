import mongoose, { type Connection, type ConnectOptions } from 'mongoose';
import type { Logger } from '../../logger.js';

export interface ConnectMongoOptions {
  log: Logger;
  /** Connection attempts before giving up (default 5). */
  attempts?: number;
  /** Wait before the second attempt; doubles after each failure (default 500 ms). */
  delayMs?: number;
  /** Per attempt: how long the driver looks for a server (default OPERATION_TIMEOUT_MS). */
  serverSelectionTimeoutMS?: number;
  /**
   * Bound every operation by OPERATION_TIMEOUT_MS (default true). The migration runner turns it off: an
   * index build may take minutes, and nobody waits on an interaction there.
   */
  boundedOperations?: boolean;
}

/**
 * How long one MongoDB operation may take before the driver fails it (SPEC §13). An interaction must be
 * answered within 3 s, and the router answers "temporarily unavailable, nothing was changed" at 2.5 s. An
 * operation stuck on a paused or unreachable server is failed by the driver at 2 s, before that answer: the
 * driver closes the connection the request went out on, so a stalled write is abandoned rather than kept
 * waiting to land after the person was told nothing changed. (Driver 7.8's `timeoutMS` is deprecated and has
 * no effect, so the bound is made of the per-phase timeouts below.)
 */
export const OPERATION_TIMEOUT_MS = 2_000;

/**
 * Driver options that keep every operation within OPERATION_TIMEOUT_MS. Retries are off: a retry starts the
 * clock again (a stalled read measured 6 s with them on), and a write the driver re-sends is exactly the one
 * that could land late. A failed operation answers "try again" instead; agenda retries its own jobs.
 */
export const BOUNDED_MONGO_OPTIONS = {
  serverSelectionTimeoutMS: OPERATION_TIMEOUT_MS,
  connectTimeoutMS: OPERATION_TIMEOUT_MS,
  socketTimeoutMS: OPERATION_TIMEOUT_MS,
  waitQueueTimeoutMS: OPERATION_TIMEOUT_MS,
  retryReads: false,
  retryWrites: false,
  // Without this, mongoose holds an operation for up to 10 s while it has no connection; the driver's
  // server selection above already bounds that wait.
  bufferCommands: false,
} as const satisfies ConnectOptions;

/**
 * Opens a mongoose connection of its own (never the global default one), retrying with backoff.
 * Indexes and collections are owned by the migrations (`npm run migrate`), so mongoose builds none.
 */
export async function connectMongo(uri: string, options: ConnectMongoOptions): Promise<Connection> {
  const { log, attempts = 5, delayMs = 500, boundedOperations = true } = options;
  const driverOptions: ConnectOptions = boundedOperations
    ? { ...BOUNDED_MONGO_OPTIONS }
    : { serverSelectionTimeoutMS: OPERATION_TIMEOUT_MS };
  if (options.serverSelectionTimeoutMS !== undefined) {
    driverOptions.serverSelectionTimeoutMS = options.serverSelectionTimeoutMS;
  }
  const hosts = mongoHosts(uri);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const connection = mongoose.createConnection(uri, {
      ...driverOptions,
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

/** What the router asks while a handler has not answered: is MongoDB the reason right now? */
export interface MongoTrouble {
  /** True while the server is unreachable or an operation has waited longer than `slowMs`. */
  troubled(): boolean;
}

/**
 * Follows the driver's pool and server events: an operation holds (or waits for) a pooled connection from
 * check-out to check-in, and the server monitor marks the server Unknown when its heartbeat fails.
 */
export function watchMongo(connection: Connection, slowMs = 1_500): MongoTrouble {
  const client = connection.getClient();
  const waiting: number[] = []; // check-out start times, oldest first
  const busy = new Map<number | string, number>(); // connection id → when its operation asked for it
  let unreachable = false;
  client.on('connectionCheckOutStarted', () => waiting.push(performance.now()));
  client.on('connectionCheckOutFailed', () => waiting.shift());
  client.on('connectionCheckedOut', (event) => {
    busy.set(event.connectionId, waiting.shift() ?? performance.now());
  });
  client.on('connectionCheckedIn', (event) => busy.delete(event.connectionId));
  client.on('serverDescriptionChanged', (event) => {
    unreachable = event.newDescription.type === 'Unknown';
  });
  return {
    troubled() {
      if (unreachable) return true;
      const oldest = Math.min(waiting[0] ?? Infinity, ...busy.values());
      return performance.now() - oldest > slowMs;
    },
  };
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
