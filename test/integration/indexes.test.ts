import { beforeAll, describe, expect, it } from 'vitest';
import type { Repositories } from '../../src/app/ports/repositories.js';
import { createMongoRepositories } from '../../src/adapters/mongo/repositories.js';
import { QUERY_SHAPES, type QueryShape } from '../../src/adapters/mongo/query-shapes.js';
import { testDatabase } from '../helpers/mongo.js';

/**
 * Every hot query is served by an index the migrations create. mongo-java-server keeps the indexes it is
 * asked for in its catalogue (it only ignores non-unique ones when querying), so the catalogue after the
 * real migrations is what production gets. Two checks: each shape in query-shapes.ts has an index that
 * serves its filter and sort, and each query the repositories really send matches a shape.
 */
const db = testDatabase(undefined, { migrate: true });

type Direction = 1 | -1;
interface IndexInfo {
  name: string;
  key: Record<string, Direction>;
}

/** Why an index does not serve a shape, or undefined when it does. */
export function notServed(shape: QueryShape, index: IndexInfo): string | undefined {
  const keys = Object.entries(index.key);
  const leading = keys.slice(0, shape.equality.length).map(([field]) => field);
  if ([...leading].sort().join() !== [...shape.equality].sort().join())
    return `leads with ${leading.join(',') || 'nothing'}`;
  const rest = keys.slice(shape.equality.length);
  const sort = Object.entries(shape.sort);
  let afterSort = rest;
  if (!shape.sortedInMemoryBecause && sort.length > 0) {
    const next = rest.slice(0, sort.length);
    const same = sort.every(([f, d], i) => next[i]?.[0] === f && next[i][1] === d);
    const reversed = sort.every(([f, d], i) => next[i]?.[0] === f && next[i][1] === -d);
    if (!same && !reversed) return `does not read in ${JSON.stringify(shape.sort)} order`;
    afterSort = rest.slice(sort.length);
  }
  const sortFields = new Set(shape.sortedInMemoryBecause ? [] : sort.map(([f]) => f));
  const unbounded = (shape.range ?? []).filter((f) => !sortFields.has(f));
  if (unbounded.length > 0 && !unbounded.includes(afterSort[0]?.[0] ?? ''))
    return `no range key ${unbounded.join(',')}`;
  return undefined;
}

interface SentQuery {
  collection: string;
  method: string;
  filter: Record<string, unknown>;
  sort: Record<string, Direction>;
}

const RANGE_OPERATORS = ['$gt', '$gte', '$lt', '$lte'];
const EQUALITY_OPERATORS = ['$in', '$eq'];

/** The shapes a query sent to MongoDB fits (by collection, sort and how each field is compared). */
function shapesOf(query: SentQuery): string[] {
  const equality: string[] = [];
  const range: string[] = [];
  const other: string[] = [];
  for (const [field, condition] of Object.entries(query.filter)) {
    const operators =
      typeof condition === 'object' && condition !== null && !(condition instanceof Date)
        ? Object.keys(condition)
        : [];
    if (operators.length === 0 || operators.every((o) => EQUALITY_OPERATORS.includes(o)))
      equality.push(field);
    else if (operators.every((o) => RANGE_OPERATORS.includes(o))) range.push(field);
    else other.push(field);
  }
  return Object.entries(QUERY_SHAPES as Record<string, QueryShape>)
    .filter(([, shape]) => {
      if (shape.collection !== query.collection) return false;
      if (JSON.stringify(shape.sort) !== JSON.stringify(query.sort)) return false;
      const residual = new Set(shape.residual ?? []);
      const ranges = new Set(shape.range ?? []);
      return (
        shape.equality.every((f) => equality.includes(f)) &&
        equality.every((f) => shape.equality.includes(f) || residual.has(f)) &&
        range.every((f) => ranges.has(f) || residual.has(f)) &&
        other.every((f) => residual.has(f))
      );
    })
    .map(([name]) => name);
}

describe('indexes for the hot queries', () => {
  let repos: Repositories;
  const sent: SentQuery[] = [];
  beforeAll(() => {
    repos = createMongoRepositories(db.connection);
    const ours = new Set(['deploys', 'approvals', 'freezes', 'locks', 'audit']);
    db.connection.set('debug', (collection: string, method: string, ...args: unknown[]) => {
      const filter = args[0];
      if (!ours.has(collection) || typeof filter !== 'object' || filter === null) return;
      if ('_id' in filter) return; // served by the _id index
      const options = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null && 'sort' in a) as
        { sort?: Record<string, Direction> } | undefined;
      sent.push({
        collection,
        method,
        filter: filter as Record<string, unknown>,
        sort: options?.sort ?? {},
      });
    });
  });

  it('serves every query shape with an index the migrations create', async () => {
    const problems: string[] = [];
    for (const [name, shape] of Object.entries(QUERY_SHAPES as Record<string, QueryShape>)) {
      if (shape.scansBecause) continue;
      const indexes = (await db.connection.db!.collection(shape.collection).indexes()) as IndexInfo[];
      const reasons = indexes.map((index) => `${index.name}: ${notServed(shape, index) ?? 'serves'}`);
      if (!reasons.some((r) => r.endsWith(': serves'))) problems.push(`${name} — ${reasons.join('; ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('sends only queries that match a shape, and every shape is sent', async () => {
    const at = new Date('2026-11-01T10:00:00Z');
    const actor = { id: 'u1', name: 'Alice' };
    await repos.deploys.create({
      id: 'D1',
      kind: 'deploy',
      service: 'api',
      env: 'prod',
      ref: 'main',
      sha: 'a'.repeat(40),
      state: 'succeeded',
      reason: '',
      requestedBy: actor,
      createdAt: at,
      finishedAt: at,
      runId: 7,
    });
    sent.length = 0;
    const d = repos.deploys;
    await d.history({ limit: 20 });
    await d.history({ service: 'api', limit: 5 });
    await d.history({ service: 'api', env: 'prod', limit: 5 });
    await d.findByStates(['dispatched', 'running']);
    await d.findByStates(['queued'], { service: 'api', env: 'prod' });
    await d.lastSucceeded('api', 'prod');
    await d.lastSucceeded('api', 'prod', { verifiedOnly: true, before: at });
    await d.lastSucceeded('api', 'staging', { sha: 'a'.repeat(40) });
    await d.findByRunId(7);
    await d.withPendingEffects(10);
    expect((await d.liveSince({ env: 'prod', since: new Date(at.getTime() - 1) })).map((x) => x.id)).toEqual([
      'D1',
    ]);
    await d.liveSince({ env: 'prod', service: 'api', since: at });
    await repos.approvals.pending();
    await repos.approvals.pending({ env: 'prod' });
    await repos.freezes.overlapping(at, new Date(at.getTime() + 86_400_000));
    await repos.locks.list();
    await repos.locks.list({ service: 'api', env: 'prod' });
    await repos.locks.release('api', 'prod', 'manual');
    await repos.audit.find({ limit: 15 });
    await repos.audit.find({ since: at, limit: 5000 });
    await repos.audit.find({ service: 'api', limit: 15 });
    await repos.audit.find({ service: 'api', env: 'prod', limit: 15 });
    await repos.audit.find({ actorId: 'u1', service: 'api', limit: 15 });
    await repos.audit.find({ deployId: 'D1', limit: 15 });

    expect(sent.length).toBeGreaterThanOrEqual(20);
    const unmatched = sent.filter((q) => shapesOf(q).length === 0);
    expect(unmatched).toEqual([]);
    const used = new Set(sent.flatMap(shapesOf));
    expect(Object.keys(QUERY_SHAPES).filter((name) => !used.has(name))).toEqual([]);
  });

  it('tells a query that no index serves apart', () => {
    const shape = QUERY_SHAPES.deploysOfServiceEnv;
    expect(
      notServed(shape, { name: 'x', key: { service: 1, env: 1, createdAt: -1, _id: -1 } }),
    ).toBeUndefined();
    expect(
      notServed(shape, { name: 'x', key: { service: 1, env: 1, createdAt: 1, _id: 1 } }),
    ).toBeUndefined();
    expect(notServed(shape, { name: 'x', key: { service: 1, createdAt: -1 } })).toMatch(/leads with/);
    expect(notServed(shape, { name: 'x', key: { service: 1, env: 1, createdAt: -1 } })).toMatch(/order/);
    expect(notServed(shape, { name: 'x', key: { service: 1, env: 1, createdAt: -1, _id: 1 } })).toMatch(
      /order/,
    );
    expect(
      notServed(QUERY_SHAPES.overlappingFreezes, { name: 'x', key: { startsAt: 1, endsAt: 1 } }),
    ).toMatch(/range/);
  });
});
