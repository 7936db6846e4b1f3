// Installs the Go tools the test suite runs — actionlint (workflow lint) and Syft (SBOM) — into the ignored
// .cache/bin, once per pinned version. Called by ensure-setup.mjs; also runnable alone.
// Without Go it installs nothing and says so: the tests that need these tools are then skipped.
// Uses only Node's own modules: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the tools go; test/helpers/go-tools.ts reads the same folder. */
export const goBin = join(root, '.cache', 'bin');

/** Pinned tools: raise a version here and the next setup builds it. */
export const goTools = [
  { name: 'actionlint', module: 'github.com/rhysd/actionlint/cmd/actionlint', version: 'v1.7.12' },
  { name: 'syft', module: 'github.com/anchore/syft/cmd/syft', version: 'v1.57.1' },
];

export function hasGo() {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** The main module version a Go binary was built from (its `mod` line in `go version -m`), or undefined. */
function builtVersion(binary) {
  if (!existsSync(binary)) return undefined;
  const out = spawnSync('go', ['version', '-m', binary], { encoding: 'utf8' });
  if (out.status !== 0) return undefined;
  const line = out.stdout.split('\n').find((l) => l.trim().startsWith('mod\t'));
  return line?.trim().split(/\s+/)[2];
}

export function ensureGoTools({ log = (line) => console.error(line) } = {}) {
  if (!hasGo()) {
    log(
      'setup: Go is not installed: the actionlint and SBOM tests will be skipped (install Go to run them).',
    );
    return true;
  }
  mkdirSync(goBin, { recursive: true });
  let ok = true;
  for (const tool of goTools) {
    const binary = join(goBin, tool.name);
    if (builtVersion(binary) === tool.version) continue;
    log(`setup: building ${tool.name} ${tool.version} with Go (once; Syft takes a few minutes)…`);
    const result = spawnSync('go', ['install', `${tool.module}@${tool.version}`], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      // GOFLAGS from the caller could point at a vendor folder or a read-only module cache.
      env: { ...process.env, GOBIN: goBin, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    });
    if (result.status !== 0) {
      log(`setup: go install ${tool.module}@${tool.version} failed (exit ${result.status ?? 'signal'}).`);
      ok = false;
    }
  }
  return ok;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(ensureGoTools() ? 0 : 1);
}
