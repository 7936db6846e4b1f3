import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Db } from 'mongodb';
import type { Logger } from '../../logger.js';
import { isDuplicateKey } from './repositories.js';
import { findRepoRoot } from './repo-root.js';

/** What a file `migrations/NNNN-slug.ts` default-exports. `up` must be idempotent. */
export interface Migration {
  description: string;
  /** Drops or rewrites data: refused unless someone approves it by name. */
  destructive?: boolean;
  up(ctx: MigrationContext): Promise<void>;
}
export interface MigrationContext {
  db: Db;
  log: Logger;
}

export interface MigrationRecord {
  _id: string;
  status: 'applying' | 'applied';
  checksum: string;
  description: string;
  startedAt: Date;
  appliedAt?: Date;
  approvedBy?: string;
}

export interface AppliedMigration {
  id: string;
  description: string;
  approvedBy?: string;
}

export interface RunMigrationsOptions {
  db: Db;
  log: Logger;
  /** Folder of the `NNNN-slug.ts` sources (checksums always come from these). Default `<repo>/migrations`. */
  dir?: string;
  /**
   * Folder to import the migrations from, with their extension. Default: the sources when running from
   * source (tsx, vitest), else the compiled `<repo>/dist/migrations/*.js`. With `dir` given: `dir`.
   */
  modules?: { dir: string; ext: '.ts' | '.js' };
  /** Name of the person approving destructive migrations in this run (`--approve-destructive=<name>`). */
  approveDestructive?: string;
  /** How long to wait for a migration another runner is applying before giving up (default 60 s). */
  waitForOthersMs?: number;
  now?: () => Date;
}

/** A refusal or failure the operator must act on; the message says what and which migration. */
export class MigrationError extends Error {
  constructor(
    readonly migrationId: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export const MIGRATIONS_COLLECTION = 'migrations';
const FILE_NAME = /^(\d{4}-[a-z0-9][a-z0-9-]*)\.ts$/;

/** sha256 of a migration's TypeScript source, line endings normalised so checkouts on any OS agree. */
export async function migrationChecksum(sourcePath: string): Promise<string> {
  const source = (await readFile(sourcePath, 'utf8')).replace(/\r\n/g, '\n');
  return createHash('sha256').update(source).digest('hex');
}

export async function listMigrationIds(dir: string): Promise<string[]> {
  const files = await readdir(dir);
  return files
    .map((file) => FILE_NAME.exec(file)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();
}

/**
 * The migrations of `dir` (default `<repo>/migrations`) not applied to `db` yet, in order: the bot refuses to
 * start on a database that lacks them (its indexes keep one lock per env, one claim per delivery …).
 */
export async function pendingMigrations(db: Db, dir?: string): Promise<string[]> {
  const folder = dir ?? join(findRepoRoot(import.meta.url), 'migrations');
  const applied = await db
    .collection<MigrationRecord>(MIGRATIONS_COLLECTION)
    .find({ status: 'applied' }, { projection: { _id: 1 } })
    .toArray();
  const done = new Set(applied.map((record) => record._id));
  return (await listMigrationIds(folder)).filter((id) => !done.has(id));
}

/**
 * Applies pending migrations in order and returns those it applied. Refuses (MigrationError, nothing after it
 * runs) an applied migration whose source changed and a destructive one nobody approved. A migration is
 * claimed by inserting its record as 'applying' (unique `_id`) before it runs, so two runners at once never
 * both apply it: the loser waits for the winner to finish.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<AppliedMigration[]> {
  const { db, log, approveDestructive, waitForOthersMs = 60_000, now = () => new Date() } = options;
  const root = findRepoRoot(import.meta.url);
  const dir = options.dir ?? join(root, 'migrations');
  const modules = options.modules ?? defaultModules(root, options.dir);
  const records = db.collection<MigrationRecord>(MIGRATIONS_COLLECTION);
  const applied: AppliedMigration[] = [];

  for (const id of await listMigrationIds(dir)) {
    const checksum = await migrationChecksum(join(dir, `${id}.ts`));
    let record = await records.findOne({ _id: id });
    if (record?.status === 'applying') record = await waitForOther(id, waitForOthersMs);
    if (record) {
      if (record.checksum !== checksum) {
        throw new MigrationError(
          id,
          `migration ${id} was changed after it was applied (recorded checksum ${record.checksum.slice(0, 12)}, ` +
            `file now ${checksum.slice(0, 12)}): restore the file and put the change in a new migration`,
        );
      }
      continue;
    }

    const migration = await loadMigration(id, modules);
    if (migration.destructive && !approveDestructive) {
      throw new MigrationError(
        id,
        `migration ${id} is destructive (${migration.description}) and was refused: ` +
          `re-run with --approve-destructive=<your name> once it has been reviewed`,
      );
    }
    const claim: MigrationRecord = {
      _id: id,
      status: 'applying',
      checksum,
      description: migration.description,
      startedAt: now(),
      ...(migration.destructive && approveDestructive ? { approvedBy: approveDestructive } : {}),
    };
    try {
      await records.insertOne(claim);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another runner claimed it between our read and insert: let it finish, then check it as above.
      const other = await waitForOther(id, waitForOthersMs);
      if (other?.checksum !== checksum) {
        throw new MigrationError(id, `migration ${id} was applied by another run from a different file`);
      }
      continue;
    }

    log.info({ migrationId: id }, 'applying migration');
    try {
      await migration.up({ db, log: log.child({ migrationId: id }) });
    } catch (error) {
      // Migrations are idempotent: drop the claim so the next run retries from the start.
      await records.deleteOne({ _id: id, status: 'applying' });
      throw new MigrationError(id, `migration ${id} failed: ${errorMessage(error)}`, { cause: error });
    }
    await records.updateOne({ _id: id }, { $set: { status: 'applied', appliedAt: now() } });
    applied.push({
      id,
      description: migration.description,
      ...(claim.approvedBy ? { approvedBy: claim.approvedBy } : {}),
    });
  }

  async function waitForOther(id: string, timeoutMs: number): Promise<MigrationRecord | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await records.findOne({ _id: id });
      if (record?.status !== 'applying') return record;
      if (Date.now() >= deadline) {
        throw new MigrationError(
          id,
          `migration ${id} has been 'applying' since ${record.startedAt.toISOString()} (another run, or one that ` +
            `crashed): if no other run is active, delete its record from the "${MIGRATIONS_COLLECTION}" collection`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  return applied;
}

function defaultModules(root: string, dir: string | undefined): { dir: string; ext: '.ts' | '.js' } {
  if (dir) return { dir, ext: '.ts' };
  // Compiled to dist/src/adapters/mongo/migrations.js → import the compiled migrations beside it.
  return import.meta.url.endsWith('.ts')
    ? { dir: join(root, 'migrations'), ext: '.ts' }
    : { dir: join(root, 'dist', 'migrations'), ext: '.js' };
}

async function loadMigration(id: string, modules: { dir: string; ext: string }): Promise<Migration> {
  const path = join(modules.dir, `${id}${modules.ext}`);
  if (!existsSync(path))
    throw new MigrationError(id, `migration ${id}: ${path} is missing (run "npm run build")`);
  const loaded = (await import(pathToFileURL(path).href)) as { default?: Partial<Migration> };
  const migration = loaded.default;
  if (typeof migration?.up !== 'function' || typeof migration.description !== 'string') {
    throw new MigrationError(id, `migration ${id} must default-export { description, up(ctx) }`);
  }
  return migration as Migration;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
