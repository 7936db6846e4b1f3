// Runs before `npm start` and `npm test` (prestart/pretest): makes a fresh clone ready with no other step.
// 1. Installs the npm packages from the lockfile when they are missing or older than the lockfile.
// 2. Fetches the mongo-java-server jars (tests and sandbox MongoDB) when Java is here and MONGODB_URI is not set.
// 3. With --go-tools (before `npm test`): builds the pinned actionlint and Syft into .cache/bin (go-tools.mjs).
// 4. With --go-tools, as root in CI: installs Debian's chromium when missing (the status page's browser test).
// Uses only Node's own modules: it runs before anything is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoTools } from './go-tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, cwd = root) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('setup: installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const serverDir = join(root, 'tools', 'mongo-java-server');
const lib = join(serverDir, 'lib');
const hasJars = existsSync(lib) && readdirSync(lib).some((f) => f.startsWith('mongo-java-server-core'));
if (!process.env.MONGODB_URI && hasJava && !hasJars) {
  console.error('setup: fetching mongo-java-server with Maven (once)…');
  run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib'], serverDir);
}

// Debian packages the tests use for real (Prometheus for rollout analysis, chromium for the status page's
// browser test): installed on CI when we may (root, apt-get); elsewhere the tests that need them say why
// they were skipped.
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const mayInstall = Boolean(process.env.CI) && isRoot && existsSync('/usr/bin/apt-get');

/** apt-get install, with an `apt-get update` first when the package lists are stale or missing. */
function aptInstall(pkg) {
  console.error(`setup: installing ${pkg} (apt-get install ${pkg})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env }).status;
  if (apt(['install', '-y', '--no-install-recommends', pkg]) === 0) return true;
  apt(['update']);
  const ok = apt(['install', '-y', '--no-install-recommends', pkg]) === 0;
  if (!ok) console.error(`setup: ${pkg} could not be installed: the tests that need it will be skipped.`);
  return ok;
}

if (mayInstall && !existsSync(process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus')) aptInstall('prometheus');
const chromiumPaths = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
if (mayInstall && process.argv.includes('--go-tools') && !chromiumPaths.some((p) => existsSync(p))) {
  aptInstall('chromium');
}

// `npm start` needs neither tool, so only the test run waits for them (Syft builds for minutes the first time).
if (process.argv.includes('--go-tools') && !ensureGoTools()) process.exit(1);
