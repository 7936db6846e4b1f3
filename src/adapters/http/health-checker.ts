import type { HealthChecker, HealthResult } from '../../app/ports/deps.js';

const HEALTH_TIMEOUT_MS = 3_000;

/** GET the health URL with a short timeout: 200 and a JSON `{ version }` equal to the deployed one. */
export async function checkHealth(url: string, expectedVersion: string): Promise<HealthResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    const body = (await response.json().catch(() => undefined)) as { version?: unknown } | undefined;
    const version = typeof body?.version === 'string' ? body.version : undefined;
    if (response.status !== 200) return { ok: false, detail: `answered ${response.status}` };
    if (version === expectedVersion) return { ok: true, detail: `200, ${version}` };
    return {
      ok: false,
      wrongVersion: version ?? '(none)',
      detail: `reports ${version ?? 'no version'} instead of ${expectedVersion}`,
    };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return { ok: false, detail: timedOut ? 'timed out' : 'unreachable' };
  }
}

/** The health checker over HTTP (fetch). */
export const httpHealthChecker: HealthChecker = { check: checkHealth };
