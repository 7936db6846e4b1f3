import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The layer rules `npm run lint` checks (.dependency-cruiser.cjs), run on small trees shaped like the
 * project: they must catch an import cycle and a port that imports a use-case, and pass a clean tree.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function cruise(files: Record<string, string>): { status: number | null; output: string } {
  dir = mkdtempSync(join(tmpdir(), 'layers-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const result = spawnSync(DEPCRUISE, ['src', '--config', join(ROOT, '.dependency-cruiser.cjs')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the layer rules of npm run lint', () => {
  it('refuses a port that imports a use-case, and the type-import cycle it makes', () => {
    const { status, output } = cruise({
      'src/domain/model.ts': 'export interface Deploy { readonly id: string }\n',
      'src/app/ports/deps.ts':
        "import type { RunWatch } from '../deploys/track.js';\nexport interface AppDeps { readonly runs: RunWatch }\n",
      'src/app/deploys/track.ts':
        "import type { AppDeps } from '../ports/deps.js';\nexport class RunWatch {}\nexport const track = (deps: AppDeps) => deps;\n",
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/ports-are-leaves: src\/app\/ports\/deps\.ts → src\/app\/deploys\/track\.ts/);
    expect(output).toMatch(/no-circular/);
  });

  it('refuses a domain module that reaches for the app', () => {
    const { status, output } = cruise({
      'src/app/health.ts': 'export const health = 1;\n',
      'src/domain/gates.ts': "import { health } from '../app/health.js';\nexport const gates = health;\n",
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/domain-is-pure/);
  });

  it('passes a tree whose dependencies point inwards', () => {
    const { status, output } = cruise({
      'src/domain/model.ts': 'export interface Deploy { readonly id: string }\n',
      'src/app/ports/deps.ts':
        "import type { Deploy } from '../../domain/model.js';\nexport interface AppDeps { readonly last?: Deploy }\n",
      'src/app/deploys/track.ts':
        "import type { AppDeps } from '../ports/deps.js';\nexport const track = (deps: AppDeps) => deps;\n",
    });
    expect(output).toMatch(/no dependency violations/);
    expect(status).toBe(0);
  });
});
