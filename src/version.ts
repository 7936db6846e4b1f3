import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from './adapters/mongo/repo-root.js';

/** The project's root folder (where package.json is), from source (src/) and from the build (dist/src/). */
export function projectRoot(): string {
  return findRepoRoot(import.meta.url);
}

/** The bot's version as shown by /health: package.json's version. */
export function botVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
