/**
 * `npm run migrate [--approve-destructive=<name>]`: applies pending migrations to MONGODB_URI.
 * Exit codes: 0 done (or nothing to do), 1 refused or failed, 2 usage (missing MONGODB_URI, bad argument).
 */
import { pino } from 'pino';
import { connectMongo, mongoHosts } from './adapters/mongo/connection.js';
import { MigrationError, runMigrations } from './adapters/mongo/migrations.js';
import { createLogger, scrubSecrets } from './logger.js';

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let approveDestructive: string | undefined;
  for (const arg of argv) {
    const approval = /^--approve-destructive=(.+)$/.exec(arg);
    if (approval?.[1]?.trim()) approveDestructive = approval[1].trim();
    else {
      console.error(
        `migrate: unknown argument ${JSON.stringify(arg)} (usage: migrate [--approve-destructive=<name>])`,
      );
      return 2;
    }
  }
  // Only MONGODB_URI is needed: the migrations must run without the bot's configuration file.
  const uri = env.MONGODB_URI?.trim();
  if (!uri) {
    console.error('migrate: MONGODB_URI is not set: point it at the MongoDB to migrate');
    return 2;
  }

  // Logs go to stderr; stdout carries the one-line-per-migration report.
  const log = createLogger(
    { level: env.LOG_LEVEL === 'debug' ? 'debug' : 'warn', name: 'migrate' },
    pino.destination(2),
  );
  let connection;
  try {
    connection = await connectMongo(uri, { log, boundedOperations: false });
  } catch (error) {
    console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    const db = connection.db;
    if (!db) throw new Error('MongoDB connection has no database');
    console.log(`migrate: MongoDB at ${mongoHosts(uri)}, database ${db.databaseName}`);
    const applied = await runMigrations({ db, log, ...(approveDestructive ? { approveDestructive } : {}) });
    for (const migration of applied) {
      const approved = migration.approvedBy ? ` (destructive, approved by ${migration.approvedBy})` : '';
      console.log(`applied ${migration.id}: ${migration.description}${approved}`);
    }
    console.log(
      applied.length === 0
        ? 'nothing to apply'
        : `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof MigrationError) console.error(`migrate: refused: ${error.message}`);
    else
      console.error(
        `migrate: failed: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`,
      );
    return 1;
  } finally {
    await connection.close();
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
