import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goTool, hasGo, ROOT } from '../helpers/go-tools.js';

/**
 * The SBOM Syft writes for the project (SPEC annexe 9.10) lists exactly the production dependencies the
 * lockfile pins, transitive ones included, each with its version; development tools stay out.
 */
interface LockPackage {
  version?: string;
  name?: string;
  dev?: boolean;
  link?: boolean;
}
interface SpdxPackage {
  name: string;
  versionInfo?: string;
  externalRefs?: { referenceType: string; referenceLocator: string }[];
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockPackage>;
};
const project = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

/** name@version of every installed package the lockfile marks dev (or not), nested copies included. */
function lockPackages(dev: boolean): Set<string> {
  const found = new Set<string>();
  for (const [path, pkg] of Object.entries(lock.packages)) {
    if (path === '' || pkg.link || Boolean(pkg.dev) !== dev) continue;
    const name = pkg.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    found.add(`${name}@${pkg.version ?? '?'}`);
  }
  return found;
}

describe.skipIf(!hasGo)('SBOM of the project (Syft)', () => {
  // Skipped without Go: Syft is built from source by scripts/go-tools.mjs, which needs Go.
  let dir: string;
  let npmPackages: Set<string>;
  let document: { spdxVersion: string; packages: SpdxPackage[] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sbom-'));
    const out = join(dir, `sbom-${project.name}.spdx.json`);
    // Installed, built and cached files are not the project's sources: the lockfile says what ships.
    const excluded = ['node_modules', '.cache', '.git', 'dist', 'coverage', 'tools'].flatMap((d) => [
      '--exclude',
      `./${d}`,
    ]);
    await promisify(execFile)(
      goTool('syft'),
      ['scan', `dir:${ROOT}`, '--quiet', '--output', `spdx-json=${out}`, ...excluded],
      // No update check: the test makes no request beyond this machine.
      { env: { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: 'false' }, timeout: 120_000 },
    );
    document = JSON.parse(readFileSync(out, 'utf8')) as typeof document;
    npmPackages = new Set(
      document.packages
        .filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith('pkg:npm/')))
        .map((p) => `${p.name}@${p.versionInfo ?? '?'}`),
    );
  }, 150_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is an SPDX 2.3 document naming the project and its version', () => {
    expect(document.spdxVersion).toBe('SPDX-2.3');
    expect(npmPackages).toContain(`${project.name}@${project.version}`);
  });

  it('lists every production dependency of package-lock.json, transitive ones included, with its version', () => {
    const production = lockPackages(false);
    // The lockfile holds the direct dependencies and far more beneath them.
    expect(production.size).toBeGreaterThan(50);
    expect([...production].filter((p) => !npmPackages.has(p))).toEqual([]);
  });

  it('lists nothing else: no development tool and no package the lockfile does not pin', () => {
    const production = lockPackages(false);
    const extra = [...npmPackages].filter(
      (p) => !production.has(p) && p !== `${project.name}@${project.version}`,
    );
    expect(extra).toEqual([]);
    const devOnly = lockPackages(true);
    // Development tools are in the lockfile, so leaving them out is the SBOM's doing.
    expect([...devOnly].some((p) => p.startsWith('vitest@'))).toBe(true);
    expect([...npmPackages].filter((p) => devOnly.has(p) && !production.has(p))).toEqual([]);
  });
});
