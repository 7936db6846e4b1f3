import type { CiState, RepoRecord } from './model.js';
import { makeCommit } from './seed.js';
import { minimalRepository, simpleUser, type Urls } from './shapes.js';
import type { WebhookSender } from './webhook.js';

export interface PushOptions {
  readonly branch?: string;
  /** How CI ends (default success). */
  readonly ci?: Exclude<CiState, 'pending'>;
  /** How long CI runs before it concludes (default 3 s). */
  readonly ciMs?: number;
}

/**
 * A push as GitHub plays it (§15 continuous delivery): the new commit lands on the branch with CI pending and
 * a `push` delivery; when CI concludes, a `check_suite` `completed` and a `status` delivery follow — two
 * deliveries for one green commit, as GitHub sends when a repo has both checks and statuses.
 */
export class PushSimulator {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly urls: () => Urls,
    private readonly webhook: WebhookSender | undefined,
  ) {}

  push(record: RepoRecord, message: string, options: PushOptions = {}): string {
    const branch = options.branch ?? 'main';
    const before = record.branches.get(branch) ?? record.branches.get('main');
    const commit = makeCommit(record.fullName, message, before, new Date(), record.commits.size);
    record.commits.set(commit.sha, commit);
    record.branches.set(branch, commit.sha);
    record.ciStates.set(commit.sha, 'pending');
    const urls = this.urls();
    const repository = minimalRepository(urls, record);
    const sender = simpleUser(urls, commit.author.login, 'User');
    this.webhook?.send('push', {
      action: 'pushed',
      ref: `refs/heads/${branch}`,
      before: before ?? '0'.repeat(40),
      after: commit.sha,
      created: false,
      deleted: false,
      forced: false,
      head_commit: { id: commit.sha, message, timestamp: commit.author.date },
      repository,
      sender,
    });
    const conclusion = options.ci ?? 'success';
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      record.ciStates.set(commit.sha, conclusion);
      this.webhook?.send('check_suite', {
        action: 'completed',
        check_suite: {
          id: Number.parseInt(commit.sha.slice(0, 8), 16),
          head_branch: branch,
          head_sha: commit.sha,
          status: 'completed',
          conclusion,
        },
        repository,
        sender,
      });
      this.webhook?.send('status', {
        action: 'status',
        sha: commit.sha,
        state: conclusion,
        context: 'ci/test',
        branches: [{ name: branch, commit: { sha: commit.sha } }],
        repository,
        sender,
      });
    }, options.ciMs ?? 3000);
    this.timers.add(timer);
    return commit.sha;
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
