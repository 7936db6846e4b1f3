/**
 * Every hot query the MongoDB repositories issue, in one place: which fields it filters on and in which
 * order it reads. The repositories take their sort orders from here, and test/integration/indexes.test.ts
 * checks both directions: each query the repositories send matches a shape below, and each shape is served
 * by an index the migrations create (0001, 0002, 0009). Queries by `_id` are served by MongoDB's own index
 * and are not listed.
 */

export type SortOrder = Readonly<Record<string, 1 | -1>>;

export interface QueryShape {
  readonly collection: 'deploys' | 'approvals' | 'freezes' | 'locks' | 'audit';
  /** Fields compared with a value or `$in`: the index's leading keys, in any order. */
  readonly equality: readonly string[];
  /** The order the query reads: the index's next keys (or all of them reversed). */
  readonly sort: SortOrder;
  /** Fields with a range (`$gt`, `$lt`, …): among the sort keys, or the key right after them. */
  readonly range?: readonly string[];
  /**
   * Fields checked on the documents the index yields. Allowed only where that stays cheap: the sort is
   * served, so a query with a limit stops at the first matches; the reason says why.
   */
  readonly residual?: readonly string[];
  readonly residualBecause?: string;
  /** Why the documents are sorted in memory rather than by the index (a handful at most). */
  readonly sortedInMemoryBecause?: string;
  /** Why reading the whole collection is fine (it stays tiny by construction). */
  readonly scansBecause?: string;
}

const NEWEST = { createdAt: -1, _id: -1 } as const;
const AUDIT_NEWEST = { at: -1, _id: -1 } as const;

export const QUERY_SHAPES = {
  /** The status page: the newest deploys of every service. */
  recentDeploys: { collection: 'deploys', equality: [], sort: NEWEST },
  /** /history service. */
  deploysOfService: { collection: 'deploys', equality: ['service'], sort: NEWEST },
  /** /history service env, rollback candidates. */
  deploysOfServiceEnv: { collection: 'deploys', equality: ['service', 'env'], sort: NEWEST },
  /** Tracking sweep: deploys in flight anywhere. */
  deploysInStates: { collection: 'deploys', equality: ['state'], sort: NEWEST },
  /** Gates (busy env), queue, supersede; the newest succeeded deploy (what runs there). */
  deploysOfServiceEnvInStates: {
    collection: 'deploys',
    equality: ['service', 'env', 'state'],
    sort: NEWEST,
    range: ['createdAt'],
    residual: ['verification'],
    residualBecause: 'the newest verified deploy is among the newest succeeded ones; the read stops there',
  },
  /** The staging gate: this SHA deployed on staging. */
  deploysOfServiceEnvStateSha: {
    collection: 'deploys',
    equality: ['service', 'env', 'state', 'sha'],
    sort: NEWEST,
    range: ['createdAt'],
    residual: ['verification'],
    residualBecause: 'a SHA is deployed to one env a few times at most',
  },
  /** Webhook and tracking: the deploy of a workflow run. */
  deployOfRun: {
    collection: 'deploys',
    equality: ['runId'],
    sort: NEWEST,
    sortedInMemoryBecause: 'a run id belongs to one deploy',
  },
  /** The outbox sweep. */
  deploysWithPendingEffects: { collection: 'deploys', equality: ['outbox'], sort: { updatedAt: 1 } },
  /** /stats and the status page's charts: deploys that went live since a date. */
  liveDeploys: {
    collection: 'deploys',
    equality: ['state', 'env'],
    sort: { finishedAt: 1 },
    range: ['finishedAt'],
  },
  liveDeploysOfService: {
    collection: 'deploys',
    equality: ['service', 'state', 'env'],
    sort: { finishedAt: 1 },
    range: ['finishedAt'],
  },
  /** Open approvals (voided when an env freezes). */
  pendingApprovals: {
    collection: 'approvals',
    equality: ['status'],
    sort: { requestedAt: 1, _id: 1 },
    residual: ['service', 'env'],
    residualBecause: 'few approvals are pending at any time',
  },
  /** Freezes that overlap a period: those ending after its start. */
  overlappingFreezes: {
    collection: 'freezes',
    equality: [],
    sort: { startsAt: 1, _id: 1 },
    range: ['endsAt'],
    residual: ['startsAt', 'liftedAt'],
    residualBecause: 'few freezes end after a given time; past ones are skipped by the index',
    sortedInMemoryBecause: 'few freezes end after a given time',
  },
  /** Locks of a service+env (gates, board). */
  locksOfServiceEnv: {
    collection: 'locks',
    equality: ['service', 'env'],
    sort: { createdAt: 1, _id: 1 },
    sortedInMemoryBecause: 'a service+env holds two locks at most (faulty, manual)',
  },
  /** Releasing a lock. */
  lockOfServiceEnvKind: { collection: 'locks', equality: ['service', 'env', 'kind'], sort: {} },
  /** Every lock (the status board). */
  allLocks: {
    collection: 'locks',
    equality: [],
    sort: { createdAt: 1, _id: 1 },
    sortedInMemoryBecause: 'the collection stays tiny',
    scansBecause: 'one document per locked service+env and kind: the collection stays tiny',
  },
  /** /audit with no filter, and one day's export. */
  auditEntries: {
    collection: 'audit',
    equality: [],
    sort: AUDIT_NEWEST,
    range: ['at'],
    residual: ['env'],
    residualBecause: 'read newest first with a limit: stops at the first entries that match',
  },
  auditOfService: {
    collection: 'audit',
    equality: ['service'],
    sort: AUDIT_NEWEST,
    range: ['at'],
  },
  auditOfServiceEnv: {
    collection: 'audit',
    equality: ['service', 'env'],
    sort: AUDIT_NEWEST,
    range: ['at'],
  },
  auditOfActor: {
    collection: 'audit',
    equality: ['actor.id'],
    sort: AUDIT_NEWEST,
    range: ['at'],
    residual: ['service', 'env'],
    residualBecause: 'read newest first with a limit: stops at the first entries that match',
  },
  auditOfDeploy: {
    collection: 'audit',
    equality: ['deployId'],
    sort: AUDIT_NEWEST,
    range: ['at'],
    residual: ['service', 'env', 'actor.id'],
    residualBecause: 'a deploy has a few dozen entries',
  },
} as const satisfies Record<string, QueryShape>;

export type QueryShapeName = keyof typeof QUERY_SHAPES;
