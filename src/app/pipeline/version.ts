import { localDate, nextVersion, parseVersion } from '../../domain/calver.js';
import type { Deploy } from '../../domain/model.js';
import { targetOf } from '../deploys/context.js';
import type { AppDeps } from '../ports/deps.js';

/** Today's tag prefix (`vYYYY.MM.DD`) in the bot's time zone. */
function todaysPrefix(deps: AppDeps): string {
  const today = localDate(deps.clock.now(), deps.config.timezone);
  return `v${today.year}.${String(today.month).padStart(2, '0')}.${String(today.day).padStart(2, '0')}`;
}

/** The CalVer version (§6) a deploy dispatched now gets: from the repo's tags, in the bot's time zone. */
export async function versionFor(deps: AppDeps, deploy: Deploy): Promise<string> {
  const repo = targetOf(deps, deploy).serviceConfig.repo;
  // Only today's tags matter for today's version (and a one-page answer can be asked for with its ETag).
  const tags = await deps.github.listTags(repo, todaysPrefix(deps));
  return nextVersion(tags, deps.clock.now(), deps.config.timezone);
}

/** A version looked up earlier still names today (a deploy held back overnight gets a new one). */
export function isTodaysVersion(deps: AppDeps, version: string): boolean {
  return parseVersion(version) !== undefined && version.startsWith(todaysPrefix(deps));
}

/** How long an approving step waits for its look-ahead beyond its own reads: GitHub trouble never holds it. */
export const LOOK_AHEAD_MS = 300;

/**
 * The version looked up while the approving step reads its gates, so the dispatch it owes does not wait
 * for one more GitHub answer after the approval (§13: approve → dispatch is on the user's clock). Never
 * rejects and never takes longer than LOOK_AHEAD_MS: without an answer the dispatch looks it up itself.
 */
export function lookAheadVersion(deps: AppDeps, deploy: Deploy): Promise<{ version?: string }> {
  // Looked up again even when the record has one: a deploy approved once more (after a hold) may be late.
  const lookup = versionFor(deps, deploy).then(
    (version) => ({ version }),
    (error: unknown) => {
      deps.log.debug(
        { err: error, deployId: deploy.id },
        'version look-ahead failed; the dispatch looks again',
      );
      return {};
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<{ version?: string }>((resolve) => {
    timer = setTimeout(() => resolve({}), LOOK_AHEAD_MS);
    timer.unref();
  });
  return Promise.race([lookup, cap]).finally(() => clearTimeout(timer));
}
