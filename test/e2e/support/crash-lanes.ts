import type { RawConfig } from './config-file.js';

/** The deploy steps the crash suite kills the bot at (SPEC §4: request → approval → dispatch → run → end). */
export type CrashStep =
  | { readonly kind: 'request' }
  | { readonly kind: 'click' }
  | { readonly kind: 'dispatch' }
  | { readonly kind: 'replied' }
  | { readonly kind: 'running' }
  | { readonly kind: 'completed'; readonly delayMs: number };

export const stepLabel = (env: string, step: CrashStep): string =>
  `${env}: ${step.kind === 'completed' ? `completed +${step.delayMs} ms` : step.kind}`;

/**
 * One service per kill point, so one deploy at a time per service and env holds without waiting, and a
 * prod deploy has its own SHA verified on staging: `s*` lanes take the staging kills, `p*` lanes the prod
 * ones (each prepared with a verified staging deploy before the first kill).
 */
export function crashServices(
  base: RawConfig,
  lanes: { staging: number; prod: number },
): { config: RawConfig; staging: string[]; prod: string[] } {
  const sample = Object.values(base.services)[0]?.environments.find((e) => e.healthUrl)?.healthUrl;
  if (!sample) throw new Error('the base configuration has no health URL to take the port from');
  const origin = new URL(sample).origin;
  const staging = Array.from({ length: lanes.staging }, (_, i) => `s${i + 1}`);
  const prod = Array.from({ length: lanes.prod }, (_, i) => `p${i + 1}`);
  const services = Object.fromEntries(
    [...staging, ...prod].map((name) => [
      name,
      {
        repo: `example-org/${name}`,
        workflow: 'deploy.yml',
        defaultRef: 'main',
        environments: [
          { name: 'staging', healthUrl: `${origin}/${name}/staging/health`, requiresApproval: false },
          { name: 'prod', healthUrl: `${origin}/${name}/prod/health`, requiresApproval: true },
        ],
      },
    ]),
  );
  // No recurring freeze windows: the day of the week must not decide whether prod may deploy.
  return { config: { ...base, services, freezeWindows: [] }, staging, prod };
}
