import { environmentOf, type EnvironmentConfig, type ServiceConfig } from '../../config.js';
import { UserFacingError } from '../../domain/errors.js';
import type { Deploy } from '../../domain/model.js';
import type { AppDeps } from '../ports/deps.js';

export interface Target {
  readonly service: string;
  readonly env: string;
  readonly serviceConfig: ServiceConfig;
  readonly envConfig: EnvironmentConfig;
  readonly isProd: boolean;
  readonly needsApproval: boolean;
}

/** Looks up service and env in the configuration, with a clear answer listing what exists. */
export function resolveTarget(deps: AppDeps, service: string, env: string): Target {
  const serviceConfig = deps.config.services[service];
  if (!serviceConfig) {
    const known = Object.keys(deps.config.services).join(', ');
    throw new UserFacingError(
      'UNKNOWN_SERVICE',
      `Unknown service "${service.slice(0, 40)}". Known services: ${known}.`,
    );
  }
  const envConfig = environmentOf(deps.config, service, env);
  if (!envConfig) {
    const known = serviceConfig.environments.map((e) => e.name).join(', ');
    throw new UserFacingError(
      'UNKNOWN_ENV',
      `Unknown environment "${env.slice(0, 40)}" for ${service}. Choose one of: ${known}.`,
    );
  }
  const isProd = env === deps.config.prodEnvironment;
  return {
    service,
    env,
    serviceConfig,
    envConfig,
    isProd,
    needsApproval: envConfig.requiresApproval ?? isProd,
  };
}

export function targetOf(deps: AppDeps, deploy: Deploy): Target {
  return resolveTarget(deps, deploy.service, deploy.env);
}

export async function loadDeploy(deps: AppDeps, id: string): Promise<Deploy> {
  const deploy = await deps.repos.deploys.get(id);
  if (!deploy) throw new UserFacingError('NOT_FOUND', `No deploy ${id.slice(0, 20)} was found.`);
  return deploy;
}
