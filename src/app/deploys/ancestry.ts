import type { Deploy } from '../../domain/model.js';
import type { Ancestry } from '../../domain/policy.js';
import type { AppDeps } from '../ports/deps.js';
import { isGitHubError, type Comparison } from '../ports/github.js';

/** Compare answers kept per instance; a bound keeps a long-running bot's memory flat. */
const MAX_REMEMBERED = 500;

/** GitHub's compare of two SHAs, remembered: the answer for two fixed SHAs never changes. */
export async function compareShas(
  deps: AppDeps,
  repo: string,
  base: string,
  head: string,
): Promise<Comparison> {
  const cache = deps.local.comparisons;
  const key = `${repo} ${base}...${head}`;
  const seen = cache?.get(key);
  if (seen) return seen;
  const comparison = await deps.github.compare(repo, base, head);
  if (cache) {
    if (cache.size >= MAX_REMEMBERED) cache.clear();
    cache.set(key, comparison);
  }
  return comparison;
}

/**
 * How a prod deploy's SHA relates to the SHA now on prod (§16): GitHub's compare with the prod SHA as base.
 * A rollback goes back on purpose; a GitHub that cannot answer makes it unknown (the gate fails closed).
 */
export async function ancestryOf(
  deps: AppDeps,
  repo: string,
  deploy: Deploy,
): Promise<{ ancestry: Ancestry; comparison?: Comparison; prodSha?: string }> {
  if (deploy.kind === 'rollback') return { ancestry: { kind: 'rollback' } };
  const onProd = await deps.repos.deploys.lastSucceeded(deploy.service, deploy.env);
  if (!onProd) return { ancestry: { kind: 'none-on-prod' } };
  if (onProd.sha === deploy.sha) {
    return {
      ancestry: { kind: 'compared', status: 'identical', aheadBy: 0, behindBy: 0 },
      prodSha: onProd.sha,
    };
  }
  try {
    const comparison = await compareShas(deps, repo, onProd.sha, deploy.sha);
    const { status, aheadBy, behindBy } = comparison;
    return { ancestry: { kind: 'compared', status, aheadBy, behindBy }, comparison, prodSha: onProd.sha };
  } catch (error) {
    deps.log.warn({ err: error, deployId: deploy.id }, 'could not compare with the SHA on prod');
    const reason = isGitHubError(error) ? error.message : 'GitHub did not answer';
    return { ancestry: { kind: 'unknown', reason }, prodSha: onProd.sha };
  }
}
