import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseVersion } from '../../src/domain/calver.js';
import { goTool, hasGo, ROOT } from '../helpers/go-tools.js';

/** The project's own pipelines and the example deploy workflows the README ships (SPEC §14). */
const WORKFLOW_DIRS = ['.github/workflows', 'examples/workflows'];

function workflowFiles(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) => {
    const abs = join(ROOT, dir);
    if (!existsSync(abs)) return [];
    return readdirSync(abs)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(abs, name));
  });
}

interface ActionlintFinding {
  message: string;
  filepath: string;
  line: number;
  kind: string;
}

function actionlint(files: readonly string[]): ActionlintFinding[] {
  const result = spawnSync(goTool('actionlint'), ['-no-color', '-format', '{{json .}}', ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  // Exit 1 means findings; anything else (2, 3, a signal) means actionlint itself could not run.
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`actionlint failed (exit ${String(result.status)}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout || '[]') as ActionlintFinding[];
}

const pipelines = workflowFiles(['.github/workflows']);
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const workflow = (file: string): Record<string, unknown> => parseYaml(read(file)) as Record<string, unknown>;

describe('actionlint over every workflow', () => {
  it.skipIf(!hasGo)(
    // Skipped without Go: actionlint is built from source by scripts/go-tools.mjs, which needs Go.
    'finds nothing in .github/workflows and examples/workflows',
    () => {
      const files = workflowFiles(WORKFLOW_DIRS);
      expect(files.map((f) => relative(ROOT, f))).toEqual(
        expect.arrayContaining([
          '.github/workflows/ci.yml',
          '.github/workflows/codeql.yml',
          '.github/workflows/release.yml',
        ]),
      );
      const findings = actionlint(files).map((f) => `${relative(ROOT, f.filepath)}:${f.line}: ${f.message}`);
      expect(findings).toEqual([]);
    },
  );

  it.skipIf(!hasGo)(
    // Skipped without Go, as above.
    'reports a workflow that needs a job that does not exist and reads an unknown context',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
      try {
        const broken = join(dir, 'broken.yml');
        writeFileSync(
          broken,
          [
            'on: push',
            'jobs:',
            '  deploy:',
            '    needs: build',
            '    runs-on: ubuntu-24.04',
            '    steps:',
            '      - run: echo "${{ secret.TOKEN }}"',
            '',
          ].join('\n'),
        );
        const messages = actionlint([broken]).map((f) => f.message);
        expect(messages).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/job "deploy" needs job "build" which does not exist/),
            expect.stringMatching(/undefined variable "secret"/),
          ]),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('the pipelines follow the supply-chain rules (SPEC annexe 9.10)', () => {
  it('pins every action to a full commit SHA with its release in a comment', () => {
    const unpinned: string[] = [];
    let pinned = 0;
    for (const file of pipelines) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          const uses = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
          if (!uses) return;
          const [, ref = '', rest = ''] = uses;
          if (ref.startsWith('./') || ref.startsWith('docker://')) return;
          const ok = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) && /^\s+#\s+v\d+\.\d+\.\d+\s*$/.test(rest);
          if (ok) pinned += 1;
          else unpinned.push(`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(unpinned).toEqual([]);
    expect(pinned).toBeGreaterThan(10);
  });

  it('gives every workflow read-only contents by default and widens it per job only', () => {
    for (const file of pipelines) {
      const wf = workflow(relative(ROOT, file));
      expect(wf.permissions, relative(ROOT, file)).toEqual({ contents: 'read' });
      expect(JSON.stringify(wf)).not.toMatch(/write-all/);
    }
    const publish = (
      workflow('.github/workflows/release.yml').jobs as Record<string, { permissions?: unknown }>
    ).publish;
    expect(publish?.permissions).toEqual({
      contents: 'write',
      packages: 'write',
      'id-token': 'write',
      attestations: 'write',
    });
  });

  it('signs with the workflow identity: no signing key or registry password from secrets but its own token', () => {
    const release = read('.github/workflows/release.yml');
    expect(release).toMatch(/cosign sign --yes/);
    expect(release).not.toMatch(/--key\b|COSIGN_PRIVATE_KEY|COSIGN_PASSWORD/);
    const secrets = [...release.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
    expect(new Set(secrets)).toEqual(new Set(['GITHUB_TOKEN']));
  });
});

describe('CI (SPEC annexe 9.4, 9.5)', () => {
  const ci = workflow('.github/workflows/ci.yml');
  const jobs = ci.jobs as Record<string, { strategy?: { matrix?: { node?: number[] } }; steps: unknown[] }>;
  const runs = (job: string): string[] =>
    (jobs[job]?.steps ?? []).flatMap((s) => {
      const run = (s as { run?: string }).run;
      return run ? [run] : [];
    });

  it('runs npm test on Node 20 and 24, with the MongoDB test server and Go for the tools', () => {
    expect(jobs.test?.strategy?.matrix?.node).toEqual([20, 24]);
    expect(runs('test')).toContain('npm test');
    const uses = JSON.stringify(jobs.test?.steps);
    expect(uses).toMatch(/actions\/setup-java@/);
    expect(uses).toMatch(/actions\/setup-go@/);
  });

  it('lints, typechecks, audits, builds and builds the image without pushing it', () => {
    expect(runs('checks')).toEqual(
      expect.arrayContaining(['npm run lint', 'npm run typecheck', 'npm audit --audit-level=high']),
    );
    expect(runs('build')).toContain('npm run build');
    const image = (jobs.build?.steps ?? []).find((s) =>
      String((s as { uses?: string }).uses).startsWith('docker/build-push-action@'),
    ) as { with?: { push?: boolean } } | undefined;
    expect(image?.with?.push).toBe(false);
  });

  it('replaces a pull request run on a new push and finishes every run on main', () => {
    expect(ci.concurrency).toEqual({
      group: 'ci-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
  });
});

describe('release tags (SPEC §6, annexe 9.17)', () => {
  /** GitHub's tag filter globs as used in release.yml: [..] classes, * within one path segment. */
  function globToRegExp(glob: string): RegExp {
    const body = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*');
    return new RegExp(`^${body}$`);
  }
  const release = workflow('.github/workflows/release.yml') as { on: { push: { tags: string[] } } };
  const filters = release.on.push.tags.map(globToRegExp);
  const triggers = (tag: string): boolean => filters.some((f) => f.test(tag));

  it('starts a release for exactly the tags the bot gives versions', () => {
    for (const tag of ['v2026.12.01', 'v2026.12.01-patch1', 'v2026.01.31-patch12']) {
      expect(triggers(tag), tag).toBe(true);
      expect(parseVersion(tag), tag).toBeDefined();
    }
    for (const tag of ['v1.2.3', '2026.12.01', 'v2026.12.1', 'v2026.12.01-rc1', 'v2026.12.01-hotfix']) {
      expect(triggers(tag), tag).toBe(false);
      expect(parseVersion(tag), tag).toBeUndefined();
    }
  });

  it('names the image, the SBOM and the provenance after the tag', () => {
    const text = read('.github/workflows/release.yml');
    expect(text).toContain('ghcr.io/${OWNER,,}/release-console');
    expect(text).toContain('tags: ${{ steps.image.outputs.name }}:${{ github.ref_name }}');
    expect(text).toContain('sbom-release-console-${{ github.ref_name }}.spdx.json');
    expect(text).toContain('provenance-release-console-$TAG.intoto.jsonl');
  });
});

describe('Dependabot (SPEC annexe 9.10, 9.15)', () => {
  it('updates npm, GitHub Actions and Docker weekly, minor and patch grouped', () => {
    const config = parseYaml(read('.github/dependabot.yml')) as {
      updates: { 'package-ecosystem': string; schedule: { interval: string }; groups: object }[];
    };
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual([
      'docker',
      'github-actions',
      'npm',
    ]);
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe('weekly');
      expect(Object.values(update.groups)).toEqual([{ 'update-types': ['minor', 'patch'] }]);
    }
  });
});
