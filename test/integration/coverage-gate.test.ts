import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const reports = mkdtempSync(join(tmpdir(), 'release-console-coverage-'));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

describe('the coverage gate of npm test (annexe 9.5)', () => {
  it('fails a run whose coverage of src/app and src/domain is below the thresholds in vitest.config.ts', () => {
    // One small unit file: it covers almost nothing of src/app, so the run must fail on its thresholds.
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        'test/unit/domain/refs.test.ts',
        '--coverage',
        `--coverage.reportsDirectory=${reports}`,
        '--coverage.reporter=text-summary',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '' } },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).toMatch(/1 passed/);
    expect(run.status, output).not.toBe(0);
    expect(output).toMatch(/Coverage for lines \([\d.]+%\) does not meet "src\/app\/\*\*" threshold \(90%\)/);
    expect(output).toMatch(
      /Coverage for branches \([\d.]+%\) does not meet "src\/app\/\*\*" threshold \(90%\)/,
    );
    expect(output).toMatch(/does not meet "src\/domain\/\*\*" threshold \(90%\)/);
  });
});
