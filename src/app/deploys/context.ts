import { environmentOf, serviceOf, type EnvironmentConfig, type ServiceConfig } from '../../config.js';
import { UserFacingError } from '../../domain/errors.js';
import type { Deploy } from '../../domain/model.js';
import { forService, type RoleIds } from '../../domain/roles.js';
import { echoInput } from '../../domain/text.js';
import type { AppDeps } from '../ports/deps.js';

export interface Target {
  readonly service: string;
  readonly env: string;
  readonly serviceConfig: ServiceConfig;
  readonly envConfig: EnvironmentConfig;
  readonly isProd: boolean;
  readonly needsApproval: boolean;
}

/** The configured service a person named, or a clear answer listing those that exist. */
export function knownService(deps: AppDeps, service: string): ServiceConfig {
  const serviceConfig = serviceOf(deps.config, service);
  if (serviceConfig) return serviceConfig;
  const known = Object.keys(deps.config.services).join(', ');
  throw new UserFacingError(
    'UNKNOWN_SERVICE',
    `Unknown service "${echoInput(service)}". Known services: ${known}.`,
  );
}

/** Looks up service and env in the configuration, with a clear answer listing what exists. */
export function resolveTarget(deps: AppDeps, service: string, env: string): Target {
  const serviceConfig = knownService(deps, service);
  const envConfig = environmentOf(deps.config, service, env);
  if (!envConfig) {
    const known = serviceConfig.environments.map((e) => e.name).join(', ');
    throw new UserFacingError(
      'UNKNOWN_ENV',
      `Unknown environment "${echoInput(env)}" for ${service}. Choose one of: ${known}.`,
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
  if (!deploy) throw new UserFacingError('NOT_FOUND', `No deploy ${echoInput(id, 20)} was found.`);
  return deploy;
}

/** The roles that decide about `service`: the global R4/R5 with the service's own (§16). */
export function rolesFor(deps: AppDeps, service: string): RoleIds {
  return forService(deps.config.discord.roles, serviceOf(deps.config, service));
}
