/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- mongoose schema definitions are
   object literals by design; SchemaTypeOptions is only a class in mongoose's typings. */
import { Schema, type Connection, type Model } from 'mongoose';
import {
  DEPLOY_STATES,
  type Approval,
  type AuditEntry,
  type Deploy,
  type Freeze,
  type Lease,
  type Lock,
} from '../../domain/model.js';

/**
 * Mongoose schemas for the product's records. Each document keeps the domain id as `_id`. The schemas
 * declare no indexes: migrations/0001-init.ts owns collections and indexes (`npm run migrate`).
 */
export const COLLECTIONS = {
  deploys: 'deploys',
  approvals: 'approvals',
  freezes: 'freezes',
  locks: 'locks',
  audit: 'audit',
  settings: 'settings',
  leases: 'leases',
  migrations: 'migrations',
} as const;

const options = { versionKey: false, strict: true, minimize: false } as const;

const actor = new Schema(
  { id: { type: String, required: true }, name: { type: String, required: true } },
  {
    _id: false,
    ...options,
  },
);

const freezeOverride = new Schema(
  {
    by: { type: actor, required: true },
    reason: { type: String, required: true },
    rollbackPlan: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { _id: false, ...options },
);

// Scheduled deploys (§15): an approval given before the request fired, bound to its SHA.
const preApproval = new Schema(
  {
    by: { type: actor, required: true },
    sha: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { _id: false, ...options },
);

const deploySchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['deploy', 'rollback'], required: true },
    service: { type: String, required: true },
    env: { type: String, required: true },
    ref: { type: String, required: true },
    sha: { type: String, required: true },
    state: { type: String, enum: DEPLOY_STATES, required: true },
    reason: String, // may be empty: `required` would refuse ''
    requestedBy: { type: actor, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: String,
    approvedBy: actor,
    decidedAt: Date,
    dispatchedAt: Date,
    startedAt: Date,
    finishedAt: Date,
    runId: Number,
    runUrl: String,
    githubDeploymentId: Number,
    previousDeployId: String,
    previousVersion: String,
    previousSha: String,
    rollbackOf: String,
    emergency: Boolean,
    verification: { type: String, enum: ['pending', 'verified', 'faulty'] },
    verifiedBy: actor,
    override: freezeOverride,
    channelId: String,
    messageId: String,
    threadId: String,
    outcomeReason: String,
    // What the card shows (gate checklist, commit range, CI): plain data, re-rendered from the record.
    gates: Schema.Types.Mixed,
    commits: Schema.Types.Mixed,
    ciState: String,
    waitingFor: Schema.Types.Mixed,
    // the FIFO queue.
    queuePosition: Number,
    offeredAt: Date,
    outcomeCode: String,
    rerunRequested: Boolean,
    stuck: Boolean,
    // A deploy started on GitHub and held at its protection rule (§16).
    origin: { type: String, enum: ['github'] },
    protection: Schema.Types.Mixed,
    // Continuous delivery and scheduled deploys (§15).
    scheduledFor: Date,
    preApproval,
    promotionOf: String,
    // The outbox (domain/deploy-effects.ts): effects by key, the sweep's flag, the worker's claim.
    effects: Schema.Types.Mixed,
    // Visibility (§17): the GitHub Release of the deploy's tag.
    releaseUrl: String,
    outbox: Boolean,
    outboxClaim: Schema.Types.Mixed,
    // A progressive rollout (domain/rollout.ts): steps, current step, pause, analysis measurements.
    rollout: Schema.Types.Mixed,
    rev: { type: Number, required: true },
  },
  options,
);

const approvalSchema = new Schema(
  {
    _id: { type: String, required: true }, // the deploy id: one approval per deploy
    service: { type: String, required: true },
    env: { type: String, required: true },
    sha: { type: String, required: true },
    status: { type: String, enum: ['pending', 'approved', 'rejected', 'expired', 'void'], required: true },
    requestedBy: { type: actor, required: true },
    requestedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    repingAt: { type: Date, required: true },
    repinged: { type: Boolean, required: true },
    decidedBy: actor,
    decidedAt: Date,
    voidReason: String,
    // N-of-M approvals and the checklist (§16); absent on older records. No `[]` default: absent stays absent.
    required: Number,
    votes: {
      type: [
        new Schema(
          { by: { type: actor, required: true }, at: { type: Date, required: true } },
          { _id: false, ...options },
        ),
      ],
      default: undefined,
    },
    voteCount: Number,
    checklist: {
      type: [
        new Schema(
          { text: { type: String, required: true }, tickedBy: actor, tickedAt: Date },
          { _id: false, ...options },
        ),
      ],
      default: undefined,
    },
  },
  options,
);

const freezeSchema = new Schema(
  {
    _id: { type: String, required: true },
    reason: String, // may be empty: `required` would refuse ''
    envs: { type: [String], required: true },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    createdBy: { type: actor, required: true },
    createdAt: { type: Date, required: true },
    liftedBy: actor,
    liftedAt: Date,
  },
  options,
);

const lockSchema = new Schema(
  {
    service: { type: String, required: true },
    env: { type: String, required: true },
    kind: { type: String, enum: ['faulty', 'manual'], required: true },
    reason: String, // may be empty: `required` would refuse ''
    createdBy: { type: actor, required: true },
    createdAt: { type: Date, required: true },
    deployId: String,
    expiresAt: Date,
  },
  options,
);

const auditSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { type: actor, required: true },
    action: { type: String, required: true },
    service: String,
    env: String,
    sha: String,
    version: String,
    deployId: String,
    outcome: String,
    reason: String,
    details: Schema.Types.Mixed,
  },
  options,
);

// The audit trail is insert-only (§10): refuse every update, replace and delete through the model.
const AUDIT_WRITES = [
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'replaceOne',
  'findOneAndReplace',
  'deleteOne',
  'deleteMany',
  'findOneAndDelete',
] as const;
for (const operation of AUDIT_WRITES) {
  // Typed loosely on purpose: resolving mongoose's `pre` overloads for a union of operation names costs
  // the TypeScript checker minutes.
  (auditSchema.pre as (op: string, options: object, fn: () => void) => void)(
    operation,
    { document: false, query: true },
    () => {
      throw new Error(`audit entries are insert-only: ${operation} refused`);
    },
  );
}
auditSchema.pre('save', function () {
  if (!this.isNew) throw new Error('audit entries are insert-only: save of an existing entry refused');
});
auditSchema.pre('bulkWrite', () => {
  throw new Error('audit entries are insert-only: bulkWrite refused');
});

const settingSchema = new Schema(
  {
    _id: { type: String, required: true },
    value: { type: Schema.Types.Mixed },
    updatedAt: { type: Date, required: true },
  },
  options,
);

const leaseSchema = new Schema(
  {
    _id: { type: String, required: true }, // the lease name
    holder: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    acquiredAt: { type: Date, required: true },
  },
  options,
);

/** Models bound to one connection (no global mongoose models). */
export function createModels(connection: Connection) {
  // Cast rather than inferred: mongoose's generic overloads for model() cost the type checker minutes.
  const model = <T>(name: string, schema: Schema, collection: string): Model<T> =>
    (connection.models[name] ?? connection.model(name, schema, collection)) as unknown as Model<T>;
  return {
    deploys: model<DeployDoc>('Deploy', deploySchema, COLLECTIONS.deploys),
    approvals: model<ApprovalDoc>('Approval', approvalSchema, COLLECTIONS.approvals),
    freezes: model<FreezeDoc>('Freeze', freezeSchema, COLLECTIONS.freezes),
    locks: model<LockDoc>('Lock', lockSchema, COLLECTIONS.locks),
    audit: model<AuditDoc>('AuditEntry', auditSchema, COLLECTIONS.audit),
    settings: model<SettingDoc>('Setting', settingSchema, COLLECTIONS.settings),
    leases: model<LeaseDoc>('Lease', leaseSchema, COLLECTIONS.leases),
  };
}
export type Models = ReturnType<typeof createModels>;

/** Stored shapes: the domain record with its id as `_id`. */
export type DeployDoc = Omit<Deploy, 'id'> & { _id: string };
export type ApprovalDoc = Omit<Approval, 'deployId'> & { _id: string };
export type FreezeDoc = Omit<Freeze, 'id'> & { _id: string };
export type LockDoc = Lock & { _id?: unknown };
export type AuditDoc = Omit<AuditEntry, 'id'> & { _id: string };
export interface SettingDoc {
  _id: string;
  value: unknown;
  updatedAt: Date;
}
export type LeaseDoc = Omit<Lease, 'name'> & { _id: string };
