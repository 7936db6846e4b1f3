import type { RepoRecord, RunRecord, WorkflowRecord } from './model.js';

export interface RunTiming {
  /** How long a run stays queued. */
  readonly queuedMs: number;
  /** How long a run stays in progress before it concludes. */
  readonly inProgressMs: number;
}

export type RunAction = 'requested' | 'in_progress' | 'completed';

export interface NewRun {
  readonly repo: RepoRecord;
  readonly workflow: WorkflowRecord;
  readonly name: string;
  readonly headBranch: string;
  readonly headSha: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Who started it (login), when not the bot's App. */
  readonly actor?: string;
}

/** The protected environment a new run's job targets, if any: the run then waits for its rule's answer. */
export type ProtectionGate = (run: RunRecord) => string | undefined;

/** GitHub writes times to the second. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Moves workflow runs queued → in_progress → completed on timers. `failNext` decides the conclusion of a
 * future run; `hold` keeps runs in progress (a stuck run) until released.
 */
export class RunEngine {
  private nextId = 18_000_000_001;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly pendingFailures: { repo: string; workflow?: string }[] = [];
  private held = false;
  private closed = false;

  constructor(
    private readonly timing: RunTiming,
    private readonly onChange: (run: RunRecord, action: RunAction) => void,
    private readonly protectedAt: ProtectionGate = () => undefined,
  ) {}

  create(spec: NewRun): RunRecord {
    const now = isoSeconds(Date.now());
    const runNumber = spec.repo.runs.filter((r) => r.workflow.id === spec.workflow.id).length + 1;
    const run: RunRecord = {
      id: this.nextId++,
      repo: spec.repo.fullName,
      workflow: spec.workflow,
      runNumber,
      name: spec.name,
      event: 'workflow_dispatch',
      headBranch: spec.headBranch,
      headSha: spec.headSha,
      inputs: spec.inputs,
      status: 'queued',
      conclusion: null,
      runAttempt: 1,
      createdAt: now,
      updatedAt: now,
      runStartedAt: now,
      failing: this.takeFailure(spec.repo.fullName, spec.workflow.file),
      ...(spec.actor ? { actor: spec.actor } : {}),
    };
    const waitingAt = this.protectedAt(run);
    if (waitingAt !== undefined) {
      run.status = 'waiting';
      run.waitingAt = waitingAt;
    }
    spec.repo.runs.push(run);
    this.onChange(run, 'requested');
    this.schedule(run);
    return run;
  }

  /**
   * The protection rule's answer for a waiting run: approved, it queues and runs; rejected, it fails, as
   * GitHub ends a run whose deployment was rejected. False when the run was not waiting.
   */
  answer(run: RunRecord, state: 'approved' | 'rejected'): boolean {
    if (run.status !== 'waiting') return false;
    delete run.waitingAt;
    if (state === 'rejected') {
      this.finish(run, 'failure');
      return true;
    }
    run.status = 'queued';
    run.updatedAt = isoSeconds(Date.now());
    this.schedule(run);
    return true;
  }

  failNext(repo: string, workflow?: string): void {
    this.pendingFailures.push(workflow === undefined ? { repo } : { repo, workflow });
  }

  hold(on: boolean, allRuns: () => Iterable<RunRecord>): void {
    this.held = on;
    if (on) return;
    for (const run of allRuns()) {
      if (run.status === 'in_progress' && !this.timers.has(run.id)) this.schedule(run);
    }
  }

  /**
   * Concludes a run now (a test deciding the moment a run ends), through in_progress if it was still
   * queued, as GitHub reports every run. Returns false when it had already completed.
   */
  complete(run: RunRecord, conclusion: string): boolean {
    if (run.status === 'completed') return false;
    this.clear(run.id);
    if (run.status === 'queued') {
      run.status = 'in_progress';
      run.updatedAt = isoSeconds(Date.now());
      this.onChange(run, 'in_progress');
    }
    this.finish(run, conclusion);
    return true;
  }

  /** Returns false when the run has already completed (GitHub answers 409 then). */
  cancel(run: RunRecord): boolean {
    if (run.status === 'completed') return false;
    this.clear(run.id);
    this.finish(run, 'cancelled');
    return true;
  }

  /** Returns false while the run is still going (GitHub refuses to re-run an unfinished run). */
  rerun(run: RunRecord): boolean {
    if (run.status !== 'completed') return false;
    const now = isoSeconds(Date.now());
    run.status = 'queued';
    run.conclusion = null;
    run.runAttempt += 1;
    run.updatedAt = now;
    run.runStartedAt = now;
    run.failing = this.takeFailure(run.repo, run.workflow.file);
    this.onChange(run, 'requested');
    this.schedule(run);
    return true;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private takeFailure(repo: string, workflow: string): boolean {
    const index = this.pendingFailures.findIndex(
      (f) => f.repo === repo && (f.workflow === undefined || f.workflow === workflow),
    );
    if (index < 0) return false;
    this.pendingFailures.splice(index, 1);
    return true;
  }

  private schedule(run: RunRecord): void {
    if (this.closed) return;
    this.clear(run.id);
    if (run.status === 'queued') {
      this.later(run, this.timing.queuedMs, () => {
        run.status = 'in_progress';
        run.updatedAt = isoSeconds(Date.now());
        this.onChange(run, 'in_progress');
        this.schedule(run);
      });
    } else if (run.status === 'in_progress' && !this.held) {
      this.later(run, this.timing.inProgressMs, () => {
        if (this.held) return;
        this.finish(run, run.failing ? 'failure' : 'success');
      });
    }
  }

  private later(run: RunRecord, ms: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(run.id);
      step();
    }, ms);
    timer.unref();
    this.timers.set(run.id, timer);
  }

  private finish(run: RunRecord, conclusion: string): void {
    run.status = 'completed';
    run.conclusion = conclusion;
    run.updatedAt = isoSeconds(Date.now());
    this.onChange(run, 'completed');
  }

  private clear(id: number): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }
}
