import type { Clock } from '../../src/domain/clock.js';
import { startAppHarness, testConfig, type AppHarness } from './app-deps.js';

/** The harness with api's prod env edited (`approvals`, `checklist` …) and no recurring freeze windows. */
export async function harnessWithProd(
  prod: Record<string, unknown> = {},
  clock?: Clock,
): Promise<AppHarness> {
  const config = testConfig((raw) => {
    raw.freezeWindows = [];
    const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api;
    Object.assign(api?.environments.find((e) => e.name === 'prod') ?? {}, prod);
  });
  return startAppHarness({ config, ...(clock ? { clock } : {}) });
}

/** How many runs of api's deploy workflow target `env` on the local GitHub. */
export function runsTo(h: AppHarness, env: string): number {
  return h.github.runs('example-org/api').filter((r) => r.inputs.environment === env).length;
}
