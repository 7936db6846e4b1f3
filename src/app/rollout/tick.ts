import { freezeStatus } from '../../domain/freeze-windows.js';
import { SYSTEM_ACTOR, type Deploy } from '../../domain/model.js';
import {
  analysisVerdict,
  decideRollout,
  measurementDue,
  nextStep,
  nextTickAt,
  trafficOf,
  type RolloutDecision,
} from '../../domain/rollout.js';
import { freezeWindowsOf } from '../deploys/gates.js';
import { ROLLOUT_JOB } from '../job-names.js';
import type { AppDeps } from '../ports/deps.js';
import { annotate, transition } from '../pipeline/transition.js';
import { maintenanceState } from '../settings.js';
import { abortRollout } from './abort.js';
import { measureQueries } from './measure.js';
import { metricsOf, rolloutSpecOf } from './plan.js';
import { tickKey } from './steps.js';

/** What holds the env back from its next step now: maintenance, a freeze or its buffer. */
async function holdingBack(deps: AppDeps, deploy: Deploy, now: Date): Promise<string | undefined> {
  const maintenance = await maintenanceState(deps.repos.settings);
  if (maintenance) return `maintenance is on (${maintenance.reason})`;
  const oneOffs = await deps.repos.freezes.overlapping(now, new Date(now.getTime() + 1));
  const freeze = freezeStatus(freezeWindowsOf(deps), oneOffs, deploy.env, now);
  if (!freeze.frozen) return undefined;
  return `freeze "${freeze.name}"${freeze.inBuffer ? ' (buffer before it)' : ''}`;
}

/**
 * One tick of a rollout's pause (the `rollout-tick` job): measures the analysis when a measurement is due,
 * then rolls back, pauses, advances or schedules the next tick (domain/rollout.ts decides). Idempotent: a
 * tick for another step or state does nothing, a duplicate tick does not measure twice, and every move is an
 * atomic change, so two ticks (or a tick and a click) cannot both advance.
 */
export async function runRolloutTick(
  deps: AppDeps,
  deployId: string,
  step: number,
): Promise<RolloutDecision['kind'] | 'stale'> {
  let deploy = await deps.repos.deploys.get(deployId);
  if (deploy?.state !== 'rolling_out' || deploy.rollout?.step !== step) return 'stale';
  const spec = rolloutSpecOf(deps, deploy);
  const now = deps.clock.now();
  if (!spec) {
    // The rollout was taken out of the configuration mid-way: hold it (fail closed) for a person to decide.
    await pause(deps, deploy, 'the env no longer configures a rollout');
    return 'pause';
  }
  const analysis = spec.analysis;
  let current = deploy.rollout;
  if (
    !current.paused &&
    !current.promotedBy &&
    analysisVerdict(current, spec).phase === 'running' &&
    measurementDue(current, analysis.interval, now)
  ) {
    const measured = await measureQueries(metricsOf(deps), analysis.queries, deploy, now);
    const details = Object.fromEntries(
      measured.map((m) => [m.query, m.value !== undefined ? m.value : (m.detail ?? m.phase)]),
    );
    current = { ...current, measurements: [...(current.measurements ?? []), ...measured] };
    // Lost to a click or another tick (the change is conditional): that one decides.
    deploy = await annotate(
      deps,
      deploy,
      'analysisMeasured',
      { rollout: current },
      { actor: SYSTEM_ACTOR, details },
    );
    if (!deploy) return 'stale';
  }
  const decision = decideRollout({
    rollout: current,
    spec,
    now,
    frozen: await holdingBack(deps, deploy, now),
  });
  switch (decision.kind) {
    case 'rollback':
      await abortRollout(deps, deploy, SYSTEM_ACTOR, decision.reason);
      break;
    case 'pause':
      await pause(deps, deploy, decision.reason);
      break;
    case 'advance': {
      const next = nextStep(current, now);
      await transition(
        deps,
        deploy,
        'advanceStep',
        { rollout: next },
        { actor: SYSTEM_ACTOR, details: { step: next.step + 1, traffic: trafficOf(next) } },
      );
      break;
    }
    case 'wait':
      // Paused: Resume re-arms the timer. Otherwise the next measurement or the end of the pause.
      if (!current.paused) {
        const at = nextTickAt(current, spec, now);
        await deps.jobs.schedule(
          ROLLOUT_JOB,
          { deployId, step },
          { at, uniqueKey: tickKey(deployId, step, at) },
        );
      }
      break;
  }
  await deps.outbox.drain(deployId);
  return decision.kind;
}

async function pause(deps: AppDeps, deploy: Deploy, reason: string): Promise<void> {
  if (!deploy.rollout || deploy.rollout.paused) return;
  const by = SYSTEM_ACTOR.name;
  await annotate(
    deps,
    deploy,
    'pauseRollout',
    { rollout: { ...deploy.rollout, paused: { by, reason } } },
    { actor: SYSTEM_ACTOR, reason },
    [{ kind: 'progress', event: { kind: 'rolloutPaused', by, reason } }],
  );
}
