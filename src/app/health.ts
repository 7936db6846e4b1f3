import { freezeStatus, listFreezes } from '../domain/freeze-windows.js';
import type { AppDeps } from './ports/deps.js';
import { freezeWindowsOf } from './deploys/gates.js';
import { credentialExpiryWarning, type CredentialStatus } from './ports/github.js';

export interface HealthReport {
  readonly instanceId: string;
  readonly role: string;
  readonly version: string;
  readonly uptimeMs: number;
  readonly gatewayPingMs: number | undefined;
  readonly mongoMs: number | 'unreachable';
  readonly jobs: { queued: number; running: number; failed: number } | 'unavailable';
  readonly githubRateLimit: { remaining: number; limit: number; resetAt: Date } | 'unavailable';
  /** Whether the GitHub credentials work, with a warning when the token expires within 7 days (§14). */
  readonly githubCredentials: (CredentialStatus & { warning: string | undefined }) | 'unavailable';
  readonly maintenance: { reason: string; by: string } | undefined;
  /** For the prod env: the freeze in force (or in its buffer) and the next one within 7 days. */
  readonly freeze:
    | {
        active?: { name: string; endsAt: Date; inBuffer: boolean };
        next?: { name: string; bufferStartsAt: Date; startsAt: Date };
      }
    | 'unavailable';
  readonly environments: readonly {
    service: string;
    env: string;
    deployed?: { version: string; sha: string; at: Date };
    verified?: { version: string; sha: string };
  }[];
}

const PART_TIMEOUT_MS = 2_000;

/** Each part answers within a bound, so /health stays fast when one dependency is slow or down. */
async function bounded<T, F>(work: Promise<T>, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), PART_TIMEOUT_MS))),
    ]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

export async function healthReport(deps: AppDeps): Promise<HealthReport> {
  const { config, repos, instance } = deps;
  const pairs = Object.entries(config.services).flatMap(([service, svc]) =>
    svc.environments.map((e) => ({ service, env: e.name })),
  );
  const now = deps.clock.now();
  const week = new Date(now.getTime() + 7 * 86_400_000);
  const [mongoMs, jobs, githubRateLimit, maintenance, environments, freeze, credentials] = await Promise.all([
    bounded(deps.db.ping(), 'unreachable' as const),
    bounded(deps.jobs.stats(), 'unavailable' as const),
    bounded(deps.github.rateLimit(), 'unavailable' as const),
    bounded(
      repos.settings.get<{ on: boolean; reason: string; by: { name: string } }>('maintenance'),
      undefined,
    ),
    bounded(
      Promise.all(
        pairs.map(async ({ service, env }) => {
          const [deployed, verified] = await Promise.all([
            repos.deploys.lastSucceeded(service, env),
            repos.deploys.lastSucceeded(service, env, { verifiedOnly: true }),
          ]);
          return {
            service,
            env,
            ...(deployed
              ? {
                  deployed: {
                    version: deployed.version ?? '?',
                    sha: deployed.sha,
                    at: deployed.finishedAt ?? deployed.updatedAt,
                  },
                }
              : {}),
            ...(verified ? { verified: { version: verified.version ?? '?', sha: verified.sha } } : {}),
          };
        }),
      ),
      pairs,
    ),
    bounded(
      repos.freezes.overlapping(now, week).then((oneOffs) => {
        const windows = freezeWindowsOf(deps);
        const prod = config.prodEnvironment;
        const status = freezeStatus(windows, oneOffs, prod, now);
        const next = listFreezes(windows, oneOffs, now, week, prod).find(
          (f) => f.bufferStartsAt.getTime() > now.getTime(),
        );
        return {
          ...(status.frozen
            ? { active: { name: status.name, endsAt: status.endsAt, inBuffer: status.inBuffer } }
            : {}),
          ...(next
            ? { next: { name: next.name, bufferStartsAt: next.bufferStartsAt, startsAt: next.startsAt } }
            : {}),
        };
      }),
      'unavailable' as const,
    ),
    bounded(deps.github.credentialStatus(), 'unavailable' as const),
  ]);
  return {
    instanceId: instance.id,
    role: instance.role(),
    version: instance.version,
    uptimeMs: now.getTime() - instance.startedAt.getTime(),
    gatewayPingMs: instance.gatewayPingMs(),
    mongoMs,
    jobs,
    githubRateLimit,
    githubCredentials:
      credentials === 'unavailable'
        ? credentials
        : { ...credentials, warning: credentialExpiryWarning(credentials, now) },
    maintenance: maintenance?.on ? { reason: maintenance.reason, by: maintenance.by.name } : undefined,
    freeze,
    environments,
  };
}
