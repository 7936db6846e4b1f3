import {
  ANNOTATIONS,
  effectKey,
  effectsOfAnnotation,
  effectsOfEvent,
  guardHolds,
  visibilityEffectsOfAnnotation,
  visibilityEffectsOfEvent,
  type DeployAnnotation,
  type DeployGuard,
} from '../../domain/deploy-effects.js';
import { TRANSITIONS, type DeployEvent } from '../../domain/deploy-state.js';
import type { AuditNote, Deploy, EffectRecord, EffectSpec } from '../../domain/model.js';
import { serviceOf } from '../../config.js';
import type { AppDeps } from '../ports/deps.js';
import type { DeployPatch } from '../ports/repositories.js';

export type { AuditNote } from '../../domain/model.js';

/** Attempts at one change when bookkeeping writes (message ids, run ids) move the revision in between. */
const ATTEMPTS = 5;

/**
 * The unit of work of the deploy pipeline (§4): one change of a deploy — a state event of the state machine
 * (`transition`) or an annotation (`annotate`: verification, acknowledgement, a stuck run) — written in one
 * conditional update together with everything it owes (the audit entry, the card, progress lines, GitHub
 * Deployment statuses, tag, marker, verification, queue offers …) as the deploy's outbox. The effects are
 * then worked at once by this process (the fast path) and, after a crash or a failed call, by the durable
 * outbox job (the safety net). Returns the changed deploy, or undefined when the guard no longer held
 * (someone else changed it first; nothing was written).
 */
export async function transition(
  deps: AppDeps,
  deploy: Deploy,
  event: DeployEvent,
  patch: Omit<DeployPatch, 'state'>,
  note: AuditNote,
  also: readonly EffectSpec[] = [],
): Promise<Deploy | undefined> {
  const { from, to } = TRANSITIONS[event];
  const facts = {
    isProd: deploy.env === deps.config.prodEnvironment,
    isStaging: deploy.env === deps.config.stagingEnvironment,
    prComments: serviceOf(deps.config, deploy.service)?.prComments === true,
  };
  return change(deps, deploy, {
    guard: { states: from },
    patch: { ...patch, state: to },
    action: `deploy.${event}`,
    note,
    owed: (after) => [
      ...effectsOfEvent(event, after, facts),
      ...also,
      ...visibilityEffectsOfEvent(event, facts),
    ],
    log: { event, state: to },
  });
}

/** A change that is not a move of the state; its guard comes from the annotations table. */
export async function annotate(
  deps: AppDeps,
  deploy: Deploy,
  annotation: DeployAnnotation,
  patch: Omit<DeployPatch, 'state'>,
  note: AuditNote,
  also: readonly EffectSpec[] = [],
): Promise<Deploy | undefined> {
  const { guard, action } = ANNOTATIONS[annotation];
  const facts = {
    isProd: deploy.env === deps.config.prodEnvironment,
    isStaging: deploy.env === deps.config.stagingEnvironment,
  };
  return change(deps, deploy, {
    guard,
    patch,
    action,
    note,
    owed: (after) => [
      ...effectsOfAnnotation(annotation, after, facts),
      ...also,
      ...visibilityEffectsOfAnnotation(annotation),
    ],
    log: { annotation },
  });
}

async function change(
  deps: AppDeps,
  deploy: Deploy,
  what: {
    guard: DeployGuard;
    patch: DeployPatch;
    action: string;
    note: AuditNote;
    owed: (after: Deploy) => EffectSpec[];
    log: Record<string, string>;
  },
): Promise<Deploy | undefined> {
  let current: Deploy | undefined = deploy;
  for (let attempt = 0; attempt < ATTEMPTS && current; attempt++) {
    if (!guardHolds(current, what.guard)) {
      // The caller's copy may be older than the record: decide on the record itself once.
      if (attempt > 0) return undefined;
      current = await deps.repos.deploys.get(deploy.id);
      if (!current || !guardHolds(current, what.guard)) return undefined;
    }
    const now = deps.clock.now();
    const seq = current.rev + 1;
    const after = { ...current, ...what.patch, rev: seq } as Deploy;
    const specs: EffectSpec[] = [
      {
        kind: 'audit',
        action: what.action,
        note: what.note,
        at: now.toISOString(),
        outcome: after.state,
        ...(after.version ? { version: after.version } : {}),
      },
      ...what.owed(after),
    ];
    const effects: Record<string, EffectRecord> = {};
    for (const spec of specs) {
      const key = effectKey(spec, seq);
      const unique = key in effects ? `${key}_${Object.keys(effects).length}` : key;
      effects[unique] = { spec, seq, status: 'pending', attempts: 0, notBefore: now };
    }
    const updated = await deps.repos.deploys.apply(
      current.id,
      { guard: what.guard, rev: current.rev, patch: what.patch, effects },
      now,
    );
    if (updated) {
      deps.log.info(
        {
          deployId: updated.id,
          service: updated.service,
          env: updated.env,
          ...what.log,
          state: updated.state,
        },
        'deploy changed',
      );
      deps.outbox.kick(updated.id);
      return updated;
    }
    current = await deps.repos.deploys.get(deploy.id);
  }
  return undefined;
}
