import { createHash } from 'node:crypto';
import type { CommitRecord, GitPerson, RepoRecord, WorkflowRecord } from './model.js';
import { parseWorkflowFile } from '../../adapters/github/workflow-file.js';

/** A workflow file a seeded repository carries: its file name and YAML. */
export interface WorkflowSeed {
  readonly file: string;
  readonly source: string;
}

/** The workflow's display name: the file's `name:`, else the file name without extension. */
export function workflowNameOf(file: string, source: string): string {
  try {
    return parseWorkflowFile(source).name ?? file.replace(/\.ya?ml$/, '');
  } catch {
    return file.replace(/\.ya?ml$/, '');
  }
}

/** A deterministic 40-hex SHA for whatever text identifies the object. */
export function fakeSha(...parts: readonly (string | number)[]): string {
  return createHash('sha1').update(parts.join('\u0000')).digest('hex');
}

const PEOPLE: readonly Omit<GitPerson, 'date'>[] = [
  { name: 'Alice Martin', email: 'alice@example.org', login: 'alice' },
  { name: 'Bob Okafor', email: 'bob@example.org', login: 'bob' },
  { name: 'Chen Wei', email: 'chen@example.org', login: 'chen' },
];

const MESSAGES = [
  'chore: initial commit',
  'feat: add health endpoint',
  'fix: handle empty payloads',
  'feat: add rate limiting to the public API',
  'refactor: split the config loader',
  'feat: add deploy metadata endpoint',
];

const SEED_START = Date.UTC(2025, 0, 6, 9, 30, 0);
const DAY_MS = 24 * 60 * 60 * 1000;

export function createRepo(fullName: string, id: number, workflowFiles: readonly WorkflowSeed[]): RepoRecord {
  const [owner = '', name = ''] = fullName.split('/');
  const repo: RepoRecord = {
    id,
    owner,
    name,
    fullName,
    commits: new Map(),
    branches: new Map(),
    tags: new Map(),
    ciStates: new Map(),
    extraChecks: new Map(),
    workflows: workflowFiles.map(({ file, source }, index) => ({
      id: id * 1000 + index + 1,
      file,
      name: workflowNameOf(file, source),
      source,
    })),
    runs: [],
    deployments: [],
  };
  let parent: string | undefined;
  MESSAGES.forEach((message, index) => {
    const commit = makeCommit(fullName, message, parent, new Date(SEED_START + index * DAY_MS), index);
    repo.commits.set(commit.sha, commit);
    repo.ciStates.set(commit.sha, 'success');
    parent = commit.sha;
  });
  if (parent) repo.branches.set('main', parent);
  return repo;
}

export function makeCommit(
  fullName: string,
  message: string,
  parent: string | undefined,
  date: Date,
  index: number,
): CommitRecord {
  const person = PEOPLE[index % PEOPLE.length] ?? {
    name: 'Alice Martin',
    email: 'alice@example.org',
    login: 'alice',
  };
  const sha = fakeSha('commit', fullName, index, message, parent ?? '');
  return {
    sha,
    treeSha: fakeSha('tree', sha),
    message,
    author: { ...person, date: date.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    parents: parent ? [parent] : [],
  };
}

export function findWorkflow(repo: RepoRecord, id: string): WorkflowRecord | undefined {
  return repo.workflows.find((w) => w.file === id || String(w.id) === id);
}

/** The history of `sha` back to the root, newest first (the seeded history is linear). */
export function ancestry(repo: RepoRecord, sha: string): CommitRecord[] {
  const out: CommitRecord[] = [];
  let current = repo.commits.get(sha);
  while (current) {
    out.push(current);
    const parent = current.parents[0];
    current = parent ? repo.commits.get(parent) : undefined;
  }
  return out;
}

/** Resolves a branch, tag, or full/abbreviated SHA (at least 4 hex digits) to a commit. */
export function resolveCommit(repo: RepoRecord, ref: string): CommitRecord | undefined {
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  const named = repo.branches.get(name) ?? repo.tags.get(name);
  if (named) return repo.commits.get(named);
  if (/^[0-9a-f]{4,40}$/i.test(ref)) {
    const lower = ref.toLowerCase();
    const matches = [...repo.commits.keys()].filter((sha) => sha.startsWith(lower));
    if (matches.length === 1 && matches[0]) return repo.commits.get(matches[0]);
  }
  return undefined;
}
