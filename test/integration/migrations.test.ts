import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError, pendingMigrations, runMigrations } from '../../src/adapters/mongo/migrations.js';
import { createLogger } from '../../src/logger.js';
import { testDatabase } from '../helpers/mongo.js';

const log = createLogger({ level: 'silent' });
const db = testDatabase();
const mongo = () => db.connection.db!;

/** A migration file that counts its runs in `runs`, so a test can see how often `up` ran. */
const counting = (id: string, extra = '') => `export default {
  description: 'count ${id}',${extra}
  async up({ db }) {
    await db.collection('runs').updateOne({ _id: '${id}' }, { $inc: { n: 1 } }, { upsert: true });
  },
};
`;
const runs = async (id: string) =>
  (await mongo().collection<{ _id: string; n: number }>('runs').findOne({ _id: id }))?.n ?? 0;

describe('migrations runner', () => {
  let dir: string;
  beforeAll(async () => {
    await db.connection.asPromise();
    dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the project migrations once: the second run applies nothing, and the unique lock index holds', async () => {
    const all = ['0001-init', '0002-deploy-outbox', '0007-scheduled-deploys', '0009-query-indexes'];
    // What the bot checks at start-up (it refuses to start while any is pending).
    expect(await pendingMigrations(mongo())).toEqual(all);
    expect((await runMigrations({ db: mongo(), log })).map((m) => m.id)).toEqual(all);
    expect(await runMigrations({ db: mongo(), log })).toEqual([]);
    expect(await pendingMigrations(mongo())).toEqual([]);
    const names = (await mongo().collection('locks').indexes()).map((i) => i.name);
    expect(names).toContain('locks_service_env_kind_unique');
    const lock = { service: 'api', env: 'prod', kind: 'faulty' };
    await mongo()
      .collection('locks')
      .insertOne({ ...lock });
    await expect(
      mongo()
        .collection('locks')
        .insertOne({ ...lock }),
    ).rejects.toMatchObject({ code: 11000 });
    expect(
      await mongo()
        .collection('migrations')
        .findOne({ _id: '0001-init' as never }),
    ).toMatchObject({
      status: 'applied',
      appliedAt: expect.any(Date),
      checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('applies pending migrations in order, and refuses one changed after it was applied, running nothing after it', async () => {
    await writeFile(join(dir, '0001-first.ts'), counting('c1'));
    expect((await runMigrations({ db: mongo(), log, dir })).map((m) => m.id)).toEqual(['0001-first']);
    await writeFile(join(dir, '0001-first.ts'), counting('c1') + '// edited\n');
    await writeFile(join(dir, '0002-second.ts'), counting('c2'));
    const refused = runMigrations({ db: mongo(), log, dir });
    await expect(refused).rejects.toBeInstanceOf(MigrationError);
    await expect(refused).rejects.toThrow(/migration 0001-first was changed after it was applied/);
    expect(await runs('c1')).toBe(1);
    expect(await runs('c2')).toBe(0);
    await writeFile(join(dir, '0001-first.ts'), counting('c1'));
    expect((await runMigrations({ db: mongo(), log, dir })).map((m) => m.id)).toEqual(['0002-second']);
  });

  it('refuses a destructive migration without approval and records who approved it', async () => {
    await writeFile(join(dir, '0003-drop.ts'), counting('c3', '\n  destructive: true,'));
    await expect(runMigrations({ db: mongo(), log, dir })).rejects.toThrow(
      /migration 0003-drop is destructive .* --approve-destructive=<your name>/,
    );
    expect(await runs('c3')).toBe(0);
    const applied = await runMigrations({ db: mongo(), log, dir, approveDestructive: 'Alice' });
    expect(applied).toEqual([{ id: '0003-drop', description: 'count c3', approvedBy: 'Alice' }]);
    expect(
      await mongo()
        .collection('migrations')
        .findOne({ _id: '0003-drop' as never }),
    ).toMatchObject({ approvedBy: 'Alice' });
  });

  it('lets only one of two concurrent runners apply a migration', async () => {
    await writeFile(join(dir, '0004-once.ts'), counting('c4'));
    const [a, b] = await Promise.all([
      runMigrations({ db: mongo(), log, dir, approveDestructive: 'Alice' }),
      runMigrations({ db: mongo(), log, dir, approveDestructive: 'Alice' }),
    ]);
    expect([...a, ...b].map((m) => m.id)).toEqual(['0004-once']);
    expect(await runs('c4')).toBe(1);
  });
});

describe('0002-deploy-outbox', () => {
  const older = testDatabase('migrate-outbox');
  it('turns the "CODE: reason" strings of older versions into { code, reason }, once', async () => {
    const deploys = older.connection.db!.collection<{ _id: string; waitingFor?: unknown }>('deploys');
    await deploys.insertMany([
      { _id: 'DOLD00001', waitingFor: 'FROZEN: Release freeze until Sat 22:00' },
      { _id: 'DOLD00002', waitingFor: 'a reason with no code' },
      { _id: 'DNEW00003', waitingFor: { code: 'LOCKED', reason: 'Locked (manual): db work' } },
    ]);
    await runMigrations({ db: older.connection.db!, log });
    const byId = async (id: string) => (await deploys.findOne({ _id: id }))?.waitingFor;
    expect(await byId('DOLD00001')).toEqual({ code: 'FROZEN', reason: 'Release freeze until Sat 22:00' });
    expect(await byId('DOLD00002')).toEqual({ code: 'BUSY', reason: 'a reason with no code' });
    expect(await byId('DNEW00003')).toEqual({ code: 'LOCKED', reason: 'Locked (manual): db work' });
    expect(await runMigrations({ db: older.connection.db!, log })).toEqual([]);
  });
});

describe('npm run migrate', () => {
  const cli = testDatabase('migrate-cli');
  const migrate = (env: Record<string, string | undefined>) =>
    spawnSync(process.execPath, ['scripts/run-ts.mjs', 'src/migrate-cli.ts'], {
      encoding: 'utf8',
      env: { ...process.env, MONGODB_URI: undefined, ...env },
      timeout: 120_000,
    });

  it('applies the migrations, then has nothing to apply', () => {
    const first = migrate({ MONGODB_URI: cli.uri });
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(
      /applied 0001-init: create collections and indexes\n.*applied 0002-deploy-outbox: .*applied 0007-scheduled-deploys: .*applied 0009-query-indexes: .*applied 4 migrations\n/s,
    );
    expect(first.status).toBe(0);
    const second = migrate({ MONGODB_URI: cli.uri });
    expect(second.stdout).toMatch(/nothing to apply\n$/);
    expect(second.status).toBe(0);
  });

  it('exits 2 with a clear message when MONGODB_URI is missing', () => {
    const result = migrate({});
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/MONGODB_URI is not set/);
  });
});
