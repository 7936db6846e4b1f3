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

// Rollout analysis tests and the sandbox's rollouts need a real Prometheus: install it on CI when we may.
const hasPrometheus = existsSync(process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!hasPrometheus && isRoot && process.env.CI && existsSync('/usr/bin/apt-get')) {
  console.error('setup: installing Prometheus (apt-get install prometheus)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env }).status;
  if (apt(['install', '-y', '--no-install-recommends', 'prometheus']) !== 0) {
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', 'prometheus']);
  }
}

// `npm start` needs neither tool, so only the test run waits for them (Syft builds for minutes the first time).
if (process.argv.includes('--go-tools') && !ensureGoTools()) process.exit(1);

// The status page's browser test drives Debian's chromium; CI installs it, elsewhere the test says how.
const chromiumPaths = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (
  process.argv.includes('--go-tools') &&
  process.env.CI &&
  isRoot &&
  process.platform === 'linux' &&
  !chromiumPaths.some((p) => existsSync(p)) &&
  spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
) {
  console.error('setup: installing chromium for the status page browser test (apt-get)…');
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  const install =
    update.status === 0 && spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit' });
  if (!install || install.status !== 0) {
    console.error('setup: chromium could not be installed: the browser test will be skipped.');
  }
}
