// Runs a TypeScript entry point: from source with tsx where it is installed (development), else the
// compiled file under dist/ (the production image has no dev dependencies).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args…]');
  process.exit(2);
}
let hasTsx = true;
try {
  createRequire(join(root, 'package.json')).resolve('tsx');
} catch {
  hasTsx = false;
}
const compiled = join(root, 'dist', entry.replace(/\.ts$/, '.js'));
const argv = hasTsx ? ['--import', 'tsx', join(root, entry), ...args] : [compiled, ...args];
if (!hasTsx && !existsSync(compiled)) {
  console.error(`${compiled} is missing: run "npm run build" first.`);
  process.exit(2);
}
const result = spawnSync(process.execPath, argv, { stdio: 'inherit' });
process.exit(result.status ?? 1);
