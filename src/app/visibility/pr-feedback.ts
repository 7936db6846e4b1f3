import type { Deploy } from '../../domain/model.js';
import {
  isBotComment,
  parseCommentState,
  renderPrComment,
  withEntry,
  type PrEnvEntry,
} from '../../domain/pr-comment.js';
import { serviceOf } from '../../config.js';
import { targetOf } from '../deploys/context.js';
import type { AppDeps } from '../ports/deps.js';
import type { IssueCommentInfo } from '../ports/github.js';
import { shippedBetween } from './shipped.js';

/**
 * Pull-request feedback (§17, opt-in per service with `prComments: true`): each merged pull request in the
 * range a successful deploy shipped gets one comment, found again by its hidden marker, with a line per env.
 * A rollback rewrites the env's line on the pull requests it took back. Check-before-do: every pull request
 * is read before it is written, and an unchanged comment is not edited, so a retry changes nothing twice.
 */
export async function prFeedbackEffect(deps: AppDeps, deploy: Deploy): Promise<void> {
  if (serviceOf(deps.config, deploy.service)?.prComments !== true || deploy.state !== 'succeeded') return;
  const repo = targetOf(deps, deploy).serviceConfig.repo;
  const rollback = deploy.kind === 'rollback';
  // A rollback takes back what was live (the deploy it rolls back) down to its target (sha); a deploy ships
  // the other way, from what was live before it.
  const takenBack = rollback ? await rolledBackSha(deps, deploy) : undefined;
  const shipped = rollback
    ? takenBack
      ? await shippedBetween(deps, repo, deploy.sha, takenBack)
      : undefined
    : await shippedBetween(deps, repo, deploy.previousSha, deploy.sha);
  if (!shipped) return;
  const limit = deps.config.visibility.maxPullRequests;
  const pulls = shipped.pulls.slice(0, limit);
  if (shipped.pulls.length > limit || shipped.notLookedUp > 0) {
    deps.log.warn(
      {
        deployId: deploy.id,
        pullRequests: shipped.pulls.length,
        commented: pulls.length,
        commitsNotLookedUp: shipped.notLookedUp,
      },
      'pull-request feedback cut to its limit',
    );
  }
  const entry: PrEnvEntry = {
    env: deploy.env,
    action: rollback ? 'rolledBack' : 'deployed',
    ...(deploy.version ? { version: deploy.version } : {}),
    deployId: deploy.id,
    ...(deploy.runUrl ? { runUrl: deploy.runUrl } : {}),
    at: (deploy.finishedAt ?? deploy.updatedAt).toISOString(),
  };
  for (const pull of pulls) {
    await commentOn(deps, repo, pull.number, deploy.service, entry);
  }
}

async function rolledBackSha(deps: AppDeps, rollback: Deploy): Promise<string | undefined> {
  if (rollback.previousSha) return rollback.previousSha;
  return rollback.rollbackOf ? (await deps.repos.deploys.get(rollback.rollbackOf))?.sha : undefined;
}

function ownComment(deps: AppDeps, comments: readonly IssueCommentInfo[]): IssueCommentInfo | undefined {
  const login = deps.config.visibility.githubLogin;
  return comments.find((c) => isBotComment(c.body) && (login === undefined || c.author === login));
}

async function commentOn(
  deps: AppDeps,
  repo: string,
  number: number,
  service: string,
  entry: PrEnvEntry,
): Promise<void> {
  const existing = ownComment(deps, await deps.github.listIssueComments(repo, number));
  const before = existing ? parseCommentState(existing.body) : { envs: [] };
  // A rollback only rewrites a line the pull request already has: it never announces an env it never reached.
  if (entry.action === 'rolledBack' && !before.envs.some((e) => e.env === entry.env)) return;
  const body = renderPrComment(withEntry(before, entry), service);
  if (!existing) await deps.github.createIssueComment(repo, number, body);
  else if (existing.body !== body) await deps.github.updateIssueComment(repo, existing.id, body);
}
