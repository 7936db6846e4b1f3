import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root, from test/helpers/. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** Go is on the PATH: then scripts/go-tools.mjs (run before `npm test`) has built the tools. */
export const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;

/** The path of a tool built by scripts/go-tools.mjs into .cache/bin; fails with the fix when it is missing. */
export function goTool(name: 'actionlint' | 'syft'): string {
  const path = join(ROOT, '.cache', 'bin', name);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run "node scripts/go-tools.mjs" (npm test does it first)`);
  }
  return path;
}
