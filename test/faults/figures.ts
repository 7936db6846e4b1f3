import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the faults suite leaves its figures for `npm run faults` to print. */
export const FIGURES_FILE = join('.cache', 'faults-figures.json');

export interface FaultFigure {
  /** Inputs, cells, faults or deliveries tried. */
  tried: number;
  /** What went wrong: a ping, a crash, a second run, a leaked secret… (0 when all is well). */
  problems: number;
  /** Anything else worth printing beside the two (pings seen, runs per deploy_id, …). */
  detail?: Record<string, number>;
}

/**
 * Records the figures of one faults area. Test files run in separate processes, so each merges its own
 * area into the file rather than keeping anything in memory.
 */
export function recordFigure(area: string, figure: FaultFigure): void {
  mkdirSync('.cache', { recursive: true });
  let all: Record<string, FaultFigure & { at: string }> = {};
  try {
    all = JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as typeof all;
  } catch {
    // First area of the run, or a file from an older layout: start afresh.
  }
  all[area] = { ...figure, at: new Date().toISOString() };
  writeFileSync(FIGURES_FILE, `${JSON.stringify(all, null, 2)}\n`);
}
