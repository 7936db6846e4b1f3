import mongoose, { type Connection } from 'mongoose';
import type { LocalDiscord } from '../../../src/sandbox/discord/index.js';
import { startMongo, type RunningMongo } from '../../../src/sandbox/mongo-server.js';

/** A mongo-java-server of one test file's own, so pausing it stalls no other file. */
export interface PausableMongo {
  readonly uri: string;
  /** SIGSTOP: the process keeps its sockets open but answers nothing, like a hung server. */
  pause(): void;
  /** SIGCONT; safe to call when not paused. */
  resume(): void;
  stop(): Promise<void>;
}

/** Starts it, or says why it cannot (no Java or no jars: the fallback server has no process to pause). */
export async function startPausableMongo(): Promise<PausableMongo | string> {
  let mongo: RunningMongo;
  try {
    // Never MONGODB_URI: a server someone else owns is not ours to pause.
    mongo = await startMongo({ mongodbUri: undefined });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const { pid } = mongo;
  if (mongo.kind !== 'mongo-java-server' || pid === undefined) {
    await mongo.stop();
    return 'needs Java and the mongo-java-server jars (node scripts/ensure-setup.mjs): a server to pause';
  }
  let paused = false;
  const resume = (): void => {
    if (paused) process.kill(pid, 'SIGCONT');
    paused = false;
  };
  return {
    uri: mongo.uri,
    pause() {
      process.kill(pid, 'SIGSTOP');
      paused = true;
    },
    resume,
    async stop() {
      resume();
      await mongo.stop();
    },
  };
}

/** The gateway lease as stored: when it expires. */
export async function leaseExpiry(db: Connection): Promise<number> {
  const lease = await db.collection('leases').findOne({ _id: 'discord-gateway' as never });
  const expiresAt = lease?.expiresAt as Date | undefined;
  if (!expiresAt) throw new Error('no gateway lease stored');
  return expiresAt.getTime();
}

/**
 * Waits for a renewal of the lease to land and returns its new expiry: pausing MongoDB right after means no
 * renewal is in flight, so that expiry is the one the stall leaves in place.
 */
export async function justRenewed(db: Connection, timeoutMs = 15_000): Promise<number> {
  const before = await leaseExpiry(db);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const now = await leaseExpiry(db);
    if (now !== before) return now;
    await sleep(20);
  }
  throw new Error(`the gateway lease was not renewed within ${timeoutMs} ms`);
}

export function openDatabase(uri: string): Promise<Connection> {
  return mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
}

/** Samples the local Discord's gateway sessions every 20 ms until stopped; keeps each change with its time. */
export function watchSessions(discord: LocalDiscord): {
  readonly changes: { at: number; open: number }[];
  most(): number;
  /** Resolves with the time the open count first met `predicate` (bounded). */
  until(predicate: (open: number, identified: number) => boolean, timeoutMs: number): Promise<number>;
  stop(): void;
} {
  const changes: { at: number; open: number }[] = [];
  const sample = (): void => {
    const { open } = discord.gatewayConnections();
    if (changes.at(-1)?.open !== open) changes.push({ at: Date.now(), open });
  };
  sample();
  const timer = setInterval(sample, 20);
  return {
    changes,
    most: () => Math.max(...changes.map((c) => c.open)),
    async until(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { open, totalIdentified } = discord.gatewayConnections();
        if (predicate(open, totalIdentified)) return Date.now();
        await sleep(20);
      }
      throw new Error(`gateway sessions: condition not met within ${timeoutMs} ms`);
    },
    stop: () => {
      clearInterval(timer);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
