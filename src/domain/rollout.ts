import { judgeAnalysis, type AnalysisSpec, type AnalysisVerdict, type Measurement } from './analysis.js';

/**
 * Progressive rollout (§15): the deploy workflow runs once per step with input `traffic` (the percentage the
 * new version gets); between steps the deploy waits `pause` in `rolling_out` while the analysis measures the
 * canary. This file holds the rules; the state lives on the deploy (`Deploy.rollout`) so a restart resumes at
 * the same step, and the timers are durable jobs.
 */

/** Where a rollout is, as stored on its deploy. */
export interface RolloutProgress {
  /** Traffic percentages, increasing, the last one 100. */
  readonly steps: readonly number[];
  /** Index into `steps` of the step dispatched (or live) now. */
  readonly step: number;
  /** When the current step was owed its dispatch: its run is looked for from then on. */
  readonly stepAt?: Date;
  /** When the current step's run succeeded: the pause starts then. */
  readonly liveAt?: Date;
  /** When the next step is due (end of the pause); Promote sets it to now. */
  readonly nextAt?: Date;
  /** Who paused it and why (a person, or a freeze); the next step waits until it is resumed. */
  readonly paused?: { readonly by: string; readonly reason: string };
  /** Who pressed Promote: the rest of the pause and of the analysis is skipped. */
  readonly promotedBy?: string;
  /** The analysis of the current step so far. */
  readonly measurements?: readonly Measurement[];
}

export interface RolloutSpec {
  readonly steps: readonly number[];
  readonly pause: number;
  readonly analysis?: AnalysisSpec;
}

/** What a rollout needs from the configuration to be valid; undefined when it is, else the problem. */
export function stepsProblem(steps: readonly number[]): string | undefined {
  if (steps.length === 0) return 'needs at least one step';
  if (steps.some((s) => !Number.isInteger(s) || s < 1 || s > 100)) return 'steps are whole percentages 1–100';
  if (steps.some((s, i) => i > 0 && s <= (steps[i - 1] ?? 0))) return 'steps must increase';
  if (steps.at(-1) !== 100) return 'the last step must be 100';
  return undefined;
}

export function trafficOf(rollout: RolloutProgress): number {
  return rollout.steps[rollout.step] ?? 100;
}

export function isFinalStep(rollout: RolloutProgress): boolean {
  return rollout.step >= rollout.steps.length - 1;
}

/** The rollout as it starts: the first step, nothing measured. */
export function firstStep(spec: RolloutSpec, now: Date): RolloutProgress {
  return { steps: [...spec.steps], step: 0, stepAt: now };
}

/** The current step went live: its pause starts now and its analysis is empty. */
export function stepLive(rollout: RolloutProgress, spec: RolloutSpec, now: Date): RolloutProgress {
  return {
    steps: rollout.steps,
    step: rollout.step,
    ...(rollout.stepAt ? { stepAt: rollout.stepAt } : {}),
    ...(rollout.paused ? { paused: rollout.paused } : {}),
    liveAt: now,
    nextAt: new Date(now.getTime() + spec.pause),
    measurements: [],
  };
}

/** The next step, to be dispatched (a pause, a promotion and the analysis belong to the step before). */
export function nextStep(rollout: RolloutProgress, now: Date): RolloutProgress {
  return { steps: rollout.steps, step: Math.min(rollout.step + 1, rollout.steps.length - 1), stepAt: now };
}

/** The rollout without its pause (Resume). */
export function resumed(rollout: RolloutProgress): RolloutProgress {
  const { paused: _paused, ...rest } = rollout;
  return rest;
}

/**
 * Whether a measurement is due. The first of a step waits one interval after the step went live, so the
 * metrics' windows hold traffic of the new share (measured at once, an empty window reads as no data and
 * fails closed, or shows the share before); then one each interval, never two within half an interval (a
 * duplicate tick).
 */
export function measurementDue(rollout: RolloutProgress, interval: number, now: Date): boolean {
  const last = rollout.measurements?.at(-1);
  if (!last) return !rollout.liveAt || now.getTime() - new Date(rollout.liveAt).getTime() >= interval;
  return now.getTime() - new Date(last.at).getTime() >= interval / 2;
}

export type RolloutDecision =
  | { readonly kind: 'wait'; readonly until?: Date }
  | { readonly kind: 'advance' }
  | { readonly kind: 'pause'; readonly reason: string }
  | { readonly kind: 'rollback'; readonly reason: string };

/**
 * What a rollout in its pause does now. A failed analysis rolls back even when paused (a bad canary must
 * not stay); a freeze pauses it before the next step; otherwise the next step waits for the end of the pause
 * and for the analysis to have succeeded.
 */
export function decideRollout(input: {
  readonly rollout: RolloutProgress;
  readonly spec: RolloutSpec;
  readonly now: Date;
  /** The freeze that holds the env now, if any. */
  readonly frozen?: string | undefined;
}): RolloutDecision {
  const verdict = analysisVerdict(input.rollout, input.spec);
  if (verdict.phase === 'failed') return { kind: 'rollback', reason: verdict.reason };
  if (input.rollout.paused) return { kind: 'wait' };
  const promoted = input.rollout.promotedBy !== undefined;
  const due = promoted ? input.now : (input.rollout.nextAt ?? input.now);
  const dueNow = due.getTime() <= input.now.getTime();
  if (input.frozen && dueNow) return { kind: 'pause', reason: input.frozen };
  if (!dueNow) return { kind: 'wait', until: due };
  // Promote skips what is left of the analysis; otherwise it must have finished.
  if (verdict.phase === 'running' && !promoted) return { kind: 'wait' };
  return { kind: 'advance' };
}

/** The analysis of the current step; a rollout without analysis has nothing to wait for. */
export function analysisVerdict(rollout: RolloutProgress, spec: RolloutSpec): AnalysisVerdict {
  if (!spec.analysis || spec.analysis.queries.length === 0) return { phase: 'successful', reason: '' };
  return judgeAnalysis(spec.analysis, rollout.measurements ?? []);
}

/** When the next tick of the rollout's timer is due: the next measurement, or the end of the pause. */
export function nextTickAt(rollout: RolloutProgress, spec: RolloutSpec, now: Date): Date {
  const due = rollout.nextAt ?? now;
  if (spec.analysis && analysisVerdict(rollout, spec).phase === 'running') {
    return new Date(now.getTime() + spec.analysis.interval);
  }
  return due.getTime() > now.getTime() ? due : now;
}
