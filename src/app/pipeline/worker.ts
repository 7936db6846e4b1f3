import { LANE_OF, pendingEffects, retryDelayMs, type Lane } from '../../domain/deploy-effects.js';
import type { Deploy, EffectRecord } from '../../domain/model.js';
import type { AppDeps, OutboxRunner } from '../ports/deps.js';
import type { OutboxHolder } from '../ports/repositories.js';

/** What one effect needs to be performed. */
export interface EffectContext {
  readonly key: string;
  readonly effect: EffectRecord;
  /** The deploy as read just before this effect. */
  readonly deploy: Deploy;
  /** Tried before, or left by a process that died: check whether it already happened before doing it. */
  readonly inDoubt: boolean;
}

/** Performs one effect; 'wait' leaves it pending for now (it depends on another lane's effect). */
export type PerformEffect = (deps: AppDeps, context: EffectContext) => Promise<'done' | 'wait'>;

/** How long a claim on a deploy's outbox holds without renewal; a dead worker's claim lapses after it. */
const CLAIM_MS = 10_000;
const RENEW_EVERY_MS = 3_000;
/** Rounds of one work session (each round may owe new effects: dispatch → Deployment → …). */
const MAX_ROUNDS = 25;
/**
 * One try of one effect may take this long before it counts as failed (and is retried). A try that timed
 * out is not stopped, so this is well beyond the longest a try can take by itself: every GitHub request
 * has a 15 s deadline, and a dispatch is one request plus a few run lookups, so its retry (which looks for
 * the run first) never starts while the first try could still send the dispatch.
 */
const EFFECT_TIMEOUT_MS = 120_000;
/** After this many failed tries an effect is given up, logged as an error, and left for people. */
export const MAX_ATTEMPTS = 12;

function holderOf(deps: AppDeps): OutboxHolder {
  return { instance: deps.instance.id, boot: deps.instance.boot };
}

/**
 * This process's outbox worker. `kick` starts working a deploy's outbox now unless it is already being
 * worked here (then that session looks once more before it stops); `drain` does the same and waits until
 * nothing due is left (or another process holds the outbox). Neither throws. `deps` is read late because
 * the worker is part of the deps it is given.
 */
export function createOutboxRunner(depsOf: () => AppDeps, perform: PerformEffect): OutboxRunner {
  const working = new Map<string, { again: boolean; done: Promise<void> }>();
  const drain = (deployId: string): Promise<void> => {
    const running = working.get(deployId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const deps = depsOf();
    const entry = { again: false, done: Promise.resolve() };
    const again = (): boolean => entry.again; // set by callers while a session runs
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await session(deps, perform, deployId);
        } while (again());
      } catch (error) {
        deps.log.warn({ err: error, deployId }, 'could not work the deploy outbox; the outbox job retries');
      } finally {
        working.delete(deployId);
      }
    })();
    working.set(deployId, entry);
    return entry.done;
  };
  return {
    kick(deployId) {
      void drain(deployId);
    },
    drain,
    idle: () => Promise.all([...working.values()].map((entry) => entry.done)).then(() => undefined),
  };
}

/** One claim of the outbox: rounds of due effects, lanes side by side, until nothing due is left. */
async function session(deps: AppDeps, perform: PerformEffect, deployId: string): Promise<void> {
  const holder = holderOf(deps);
  const claimed = await deps.repos.deploys.claimOutbox(
    deployId,
    holder,
    new Date(deps.clock.now().getTime() + CLAIM_MS),
    deps.clock.now(),
  );
  if (!claimed) return; // another process works it; it looks again before it lets go
  const renewal = setInterval(() => {
    void deps.repos.deploys
      .renewOutbox(deployId, holder, new Date(deps.clock.now().getTime() + CLAIM_MS))
      .catch(() => undefined);
  }, RENEW_EVERY_MS);
  renewal.unref();
  let deploy = claimed.deploy;
  // A claim taken over from a holder that never let go: its effects may have half happened.
  const inDoubt = claimed.tookOver;
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const due = dueEffects(deploy, deps.clock.now());
      if (due.length === 0) {
        const outbox = pendingEffects(deploy).length > 0;
        if (await deps.repos.deploys.releaseOutbox(deployId, holder, deploy.rev, outbox)) return;
      } else {
        const moved = await Promise.all(
          lanesOf(due).map((lane) => runLane(deps, perform, holder, deployId, lane, inDoubt)),
        );
        // Nothing could go on (each lane waits for a retry): the outbox job comes back for it.
        if (!moved.includes(true)) return;
      }
      const latest = await deps.repos.deploys.get(deployId);
      if (!latest) return;
      deploy = latest;
    }
    deps.log.warn({ deployId }, 'outbox still busy after many rounds; the outbox job goes on');
  } finally {
    clearInterval(renewal);
    // Still holding it (rounds ran out, or an error): give it back so the job can take it at once.
    const latest = await deps.repos.deploys.get(deployId).catch(() => undefined);
    if (latest?.outboxClaim?.boot === holder.boot) {
      await deps.repos.deploys
        .releaseOutbox(deployId, holder, latest.rev, pendingEffects(latest).length > 0)
        .catch(() => undefined);
    }
  }
}

type Due = [string, EffectRecord];

function dueEffects(deploy: Deploy, now: Date): Due[] {
  return pendingEffects(deploy).filter(([, effect]) => effect.notBefore.getTime() <= now.getTime());
}

/** Due effects grouped by lane, each lane in the order the effects were owed. */
function lanesOf(due: Due[]): Due[][] {
  const lanes = new Map<Lane, Due[]>();
  for (const entry of due) {
    const lane = LANE_OF[entry[1].spec.kind];
    lanes.set(lane, [...(lanes.get(lane) ?? []), entry]);
  }
  return [...lanes.values()];
}

/** A lane's effects one after the other; the first that fails (or must wait) holds the rest of its lane. */
async function runLane(
  deps: AppDeps,
  perform: PerformEffect,
  holder: OutboxHolder,
  deployId: string,
  lane: Due[],
  inDoubt: boolean,
): Promise<boolean> {
  let moved = false;
  for (const [key, effect] of lane) {
    const deploy = await deps.repos.deploys.get(deployId);
    if (!deploy) return moved;
    const context: EffectContext = {
      key,
      effect,
      deploy,
      // Tried before, or taken over from a process that died: check whether it already happened.
      inDoubt: inDoubt || effect.attempts > 0,
    };
    try {
      const outcome = await withTimeout(perform(deps, context), EFFECT_TIMEOUT_MS);
      if (outcome === 'wait') return moved;
      moved = true;
      await deps.repos.deploys.settleEffect(
        deployId,
        key,
        holder,
        { status: 'done', seq: effect.seq },
        deps.clock.now(),
      );
    } catch (error) {
      const attempts = effect.attempts + 1;
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = attempts >= MAX_ATTEMPTS;
      deps.log[giveUp ? 'error' : 'warn'](
        { err: error, deployId, effect: effect.spec.kind, key, attempts },
        giveUp ? 'deploy effect given up' : 'deploy effect failed; retried later',
      );
      await deps.repos.deploys.settleEffect(
        deployId,
        key,
        holder,
        giveUp
          ? { status: 'gave_up', attempts, error: message.slice(0, 300) }
          : {
              status: 'retry',
              attempts,
              error: message.slice(0, 300),
              notBefore: new Date(deps.clock.now().getTime() + retryDelayMs(attempts)),
            },
        deps.clock.now(),
      );
      return true;
    }
  }
  return moved;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * The safety net (the outbox job, and start-up): every deploy with pending effects is worked, so what a
 * crash or a failed call left is done without waiting for the next change. Returns how many it looked at.
 */
export async function sweepOutbox(deps: AppDeps, limit = 100): Promise<number> {
  const waiting = await deps.repos.deploys.withPendingEffects(limit);
  await Promise.all(waiting.map((deploy) => deps.outbox.drain(deploy.id)));
  return waiting.length;
}
