/**
 * The scale section of `npm run bench` (§17): the same reads over 1 000 and over 100 000 deploys (with their
 * audit entries). The newest 1 000 deploys are the same at both sizes; the larger set only adds older
 * history, so a read served by an index costs about the same at both, and the ratio shows one that is not.
 * mongo-java-server keeps no non-unique index (it scans), so the figures mean most on a real MongoDB
 * (MONGODB_URI): the section says which one it ran on.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { audit as auditCommand } from '../../commands/audit.js';
import { history as historyCommand } from '../../commands/history.js';
import { stats as statsCommand } from '../../commands/stats.js';
import { createGitHubClient } from '../../src/adapters/github/index.js';
import { httpHealthChecker } from '../../src/adapters/http/health-checker.js';
import { runMigrations } from '../../src/adapters/mongo/migrations.js';
import { createMongoRepositories } from '../../src/adapters/mongo/repositories.js';
import { checkGates } from '../../src/app/deploys/gates.js';
import { RunWatch } from '../../src/app/deploys/track.js';
import type { AppDeps, OutboxRunner } from '../../src/app/ports/deps.js';
import type { DeployNotifier } from '../../src/app/ports/notifier.js';
import { boardSnapshot } from '../../src/app/status/board.js';
import { parseConfig, type Config } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Deploy } from '../../src/domain/model.js';
import { startLocalGitHub } from '../../src/sandbox/github/index.js';
import { startMongo } from '../../src/sandbox/mongo-server.js';

export type Record3 = (what: string, value: string, target?: string, ok?: boolean) => void;

const ROOT = join(import.meta.dirname, '..', '..');
const SIZES = [1_000, 100_000] as const;
const RECENT = 1_000;
const SERVICES = 20;
const DAY = 86_400_000;
const BATCH = 5_000;
/** Runs per read, after one warm-up: the median is the figure. */
const RUNS = 7;
const actor = { id: '900000000000000001', name: 'alice', roleIds: ['990000000000000104'] };

function scaleConfig(): Config {
  const raw = parseYaml(readFileSync(join(ROOT, 'config/example.yaml'), 'utf8')) as Record<string, unknown>;
  const services: Record<string, unknown> = {};
  for (let i = 1; i <= SERVICES; i += 1) {
    const name = `svc${String(i).padStart(2, '0')}`;
    services[name] = {
      repo: `example-org/${name}`,
      workflow: 'deploy.yml',
      defaultRef: 'main',
      environments: [
        { name: 'staging', requiresApproval: false },
        { name: 'prod', requiresApproval: true },
      ],
    };
  }
  return parseConfig(JSON.stringify({ ...raw, services, freezeWindows: [] }), 'bench.json', {});
}

/** Deploy number i: 0 is the newest. The newest RECENT span the last 30 days, older ones the years before. */
function seedDeploy(i: number, now: number): Record<string, unknown> {
  const age = i < RECENT ? (i / RECENT) * 30 * DAY : 31 * DAY + (i - RECENT) * 0.37 * DAY;
  const finishedAt = new Date(now - age);
  const service = `svc${String((i % SERVICES) + 1).padStart(2, '0')}`;
  const env = i % 3 === 0 ? 'staging' : 'prod';
  return {
    _id: `S${i.toString(36).padStart(7, '0')}`,
    kind: 'deploy',
    service,
    env,
    ref: 'main',
    sha: randomBytes(20).toString('hex'),
    state: i % 17 === 0 ? 'failed' : 'succeeded',
    reason: 'bench',
    requestedBy: { id: actor.id, name: actor.name },
    createdAt: new Date(finishedAt.getTime() - 600_000),
    updatedAt: finishedAt,
    finishedAt,
    version: `v${finishedAt.toISOString().slice(0, 10).replace(/-/g, '.')}`,
    verification: i % 11 === 0 ? 'faulty' : 'verified',
    commits: [{ sha: 'c', title: 'change', at: new Date(finishedAt.getTime() - 4 * 3_600_000) }],
    rev: 3,
  };
}

function auditOf(deploy: Record<string, unknown>): Record<string, unknown>[] {
  const at = deploy.finishedAt as Date;
  return ['deploy.requested', 'deploy.dispatch', 'deploy.succeed'].map((action, k) => ({
    _id: `${String(deploy._id)}-${k}`,
    at: new Date(at.getTime() - (2 - k) * 300_000),
    actor: deploy.requestedBy,
    action,
    service: deploy.service,
    env: deploy.env,
    sha: deploy.sha,
    version: deploy.version,
    deployId: deploy._id,
    outcome: deploy.state,
  }));
}

async function seed(db: mongoose.mongo.Db, from: number, to: number, now: number): Promise<void> {
  for (let start = from; start < to; start += BATCH) {
    const deploys = Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => seedDeploy(start + k, now));
    // The native driver: a bulk load, not the model (whose audit hooks refuse bulk writes by design).
    await db.collection('deploys').insertMany(deploys, { ordered: false });
    await db.collection('audit').insertMany(deploys.flatMap(auditOf), { ordered: false });
  }
}

/** Stop sampling a read after this long (at least 3 runs): a scanning MongoDB makes some reads slow. */
const BUDGET_MS = 20_000;

async function medianMs(work: () => Promise<unknown>): Promise<number> {
  const budgetEnds = performance.now() + BUDGET_MS;
  await work();
  const times: number[] = [];
  for (let i = 0; i < RUNS && (i < 3 || performance.now() < budgetEnds); i += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
}

export async function benchScale(record: Record3): Promise<void> {
  const mongo = await startMongo({ mongodbUri: process.env.MONGODB_URI });
  const github = await startLocalGitHub({
    repos: Array.from({ length: SERVICES }, (_, i) => `example-org/svc${String(i + 1).padStart(2, '0')}`),
  });
  const dbName = `bench_scale_${randomBytes(4).toString('hex')}`;
  const connection = mongoose.createConnection(mongo.uri, { dbName, serverSelectionTimeoutMS: 10_000 });
  try {
    await connection.asPromise();
    const db = connection.db!;
    const log = pino({ level: 'silent' });
    await runMigrations({ db, log });
    console.log(
      `\nscale: MongoDB ${mongo.kind}${mongo.kind === 'mongo-java-server' ? ' (keeps no non-unique index: reads scan)' : ''}`,
    );
    record('scale: MongoDB', mongo.kind);
    const config = scaleConfig();
    const noop = () => Promise.resolve();
    const deps: AppDeps = {
      config,
      clock: systemClock,
      log,
      repos: createMongoRepositories(connection),
      github: createGitHubClient({ baseUrl: github.url, token: 'bench-token', log, userAgent: 'bench' }),
      jobs: {
        schedule: noop,
        cancel: () => Promise.resolve(0),
        stats: () => Promise.resolve({ queued: 0, running: 0, failed: 0 }),
      },
      db: { ping: () => Promise.resolve(0) },
      instance: {
        id: 'bench',
        boot: 'bench',
        version: '0.0.0',
        startedAt: new Date(),
        role: () => 'leader',
        gatewayPingMs: () => undefined,
      },
      notifier: {} as DeployNotifier,
      local: { runs: new RunWatch(), greenCi: new Map() },
      outbox: { kick: () => undefined, drain: noop, idle: noop } satisfies OutboxRunner,
      health: httpHealthChecker,
      events: { markerPosted: () => undefined, finished: () => undefined },
    };
    const context = { actor, deps, log, channelId: 'ops' };
    const prodRequest = {
      id: 'BENCHGATE',
      kind: 'deploy',
      service: 'svc01',
      env: 'prod',
      ref: 'main',
      sha: github.history('example-org/svc01')[0] ?? '',
      state: 'requested',
      reason: '',
      requestedBy: actor,
      createdAt: new Date(),
      updatedAt: new Date(),
      rev: 1,
    } satisfies Deploy;
    const reads: [string, () => Promise<unknown>][] = [
      [
        '/history svc01 prod',
        () => historyCommand.run({ ...context, options: { service: 'svc01', env: 'prod' } }),
      ],
      [
        "/audit one day's CSV export",
        () => auditCommand.run({ ...context, options: { since: { ago: DAY }, format: 'csv' } }),
      ],
      ['/stats (all services, 30 days, chart)', () => statsCommand.run({ ...context, options: {} })],
      ['gate evaluation (prod request)', () => checkGates(deps, prodRequest, { withCommits: false })],
      ['status board read model (40 cells)', () => boardSnapshot(deps)],
    ];
    const now = Date.now();
    const figures = new Map<string, number[]>();
    let seeded = 0;
    for (const size of SIZES) {
      const started = performance.now();
      await seed(db, seeded, size, now);
      seeded = size;
      record(
        `scale: seed to ${size} deploys (+${size * 3} audit entries)`,
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      for (const [what, work] of reads) {
        const ms = await medianMs(work).catch((error: unknown) => {
          record(`scale: ${what} at ${size} failed`, String(error).split('\n')[0] ?? '');
          return Number.NaN;
        });
        figures.set(what, [...(figures.get(what) ?? []), ms]);
        record(
          `scale: ${what} at ${size}`,
          `${ms.toFixed(1)} ms`,
          size === RECENT ? '< 3 s' : '',
          size === RECENT ? ms < 3_000 : undefined,
        );
      }
    }
    for (const [what, [small = NaN, large = NaN]] of figures) {
      const ratio = large / Math.max(0.1, small);
      record(`scale: ${what} 100 000 ÷ 1 000`, ratio.toFixed(2), '≤ 1.5', ratio <= 1.5);
    }
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await github.close();
    await mongo.stop();
  }
}
