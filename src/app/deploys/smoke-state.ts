import type { AppDeps } from '../ports/deps.js';

/** Settings key of the nightly smoke's soft freeze on prod (§8), per service. */
export function smokeKey(service: string): string {
  return `smoke:${service}`;
}

export interface SmokeState {
  readonly red: boolean;
  readonly at: string;
  readonly runUrl?: string;
}

export async function smokeIsRed(deps: AppDeps, service: string): Promise<boolean> {
  return (await deps.repos.settings.get<SmokeState>(smokeKey(service)))?.red ?? false;
}
