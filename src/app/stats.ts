import { doraFigures, type DoraFigures } from '../domain/dora.js';
import { UserFacingError } from '../domain/errors.js';
import { knownService } from './deploys/context.js';
import type { AppDeps } from './ports/deps.js';

export const STATS_DEFAULT_DAYS = 30;
export const STATS_MAX_DAYS = 365;
const DAY_MS = 86_400_000;

export interface DeployStats {
  /** Undefined: every service. */
  readonly service?: string;
  readonly env: string;
  readonly from: Date;
  readonly to: Date;
  readonly figures: DoraFigures;
}

/**
 * `/stats [service] [days]` and the status page (§17): DORA figures of the prod env over the last `days`,
 * from stored deploys only (one index-backed read; no GitHub call).
 */
export async function deployStats(
  deps: AppDeps,
  query: { service?: string | undefined; days?: number | undefined } = {},
): Promise<DeployStats> {
  const days = query.days ?? STATS_DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > STATS_MAX_DAYS) {
    throw new UserFacingError('BAD_INPUT', `days must be a whole number from 1 to ${STATS_MAX_DAYS}.`);
  }
  if (query.service !== undefined) knownService(deps, query.service);
  const to = deps.clock.now();
  const from = new Date(to.getTime() - days * DAY_MS);
  const env = deps.config.prodEnvironment;
  const deploys = await deps.repos.deploys.liveSince({
    env,
    since: from,
    ...(query.service === undefined ? {} : { service: query.service }),
  });
  const figures = doraFigures(deploys, { from, to, prodEnv: env, timeZone: deps.config.timezone });
  return { ...(query.service === undefined ? {} : { service: query.service }), env, from, to, figures };
}
