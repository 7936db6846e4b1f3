/**
 * The interactions a process is still answering, so a graceful stop (SIGTERM, a change-over) waits for them.
 * Both ways interactions arrive (the gateway session, the HTTP endpoint) track theirs here.
 */
export interface InFlight {
  /** Tracks `task` until it settles. */
  track(task: Promise<void>): void;
  readonly size: number;
  /** Waits until every tracked task settled, or `timeoutMs` passed. */
  drain(timeoutMs: number): Promise<void>;
}

export function createInFlight(): InFlight {
  const tasks = new Set<Promise<void>>();
  return {
    track(task) {
      tasks.add(task);
      void task.finally(() => tasks.delete(task)).catch(() => undefined);
    },
    get size() {
      return tasks.size;
    },
    async drain(timeoutMs) {
      if (tasks.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...tasks]),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    },
  };
}
