import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalGitHub } from './github/index.js';
import { ServiceTraffic } from './traffic.js';

/** A health endpoint the sandbox answers for one service in one environment. */
export interface ServiceRoute {
  readonly service: string;
  readonly env: string;
  /** URL path, e.g. /api/staging/health. */
  readonly path: string;
}

export interface DeployedVersion {
  readonly version: string;
  readonly sha: string;
}

interface ServiceState {
  deployed: DeployedVersion;
  healthy: boolean;
  /** Reported instead of the real version after the next deploy (a faulty release). */
  wrongVersionNext: string | undefined;
  reported: string;
}

const key = (service: string, env: string): string => `${service}/${env}`;

/**
 * Stand-ins for the deployed services' health URLs: each answers what the last successful deploy put there,
 * so post-deploy verification has something real to check in the sandbox and in end-to-end tests.
 */
export class SandboxServices {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly states: Map<string, ServiceState>,
    /** Synthetic requests per service+env, exported as Prometheus metrics on /metrics (§15). */
    readonly traffic: ServiceTraffic,
  ) {}

  static async start(options: {
    port?: number;
    routes: readonly ServiceRoute[];
    /** How often the synthetic traffic loop sends a round of requests (ms); 0 turns it off. */
    trafficEveryMs?: number;
  }): Promise<SandboxServices> {
    const states = new Map<string, ServiceState>();
    const byPath = new Map<string, ServiceRoute>();
    for (const route of options.routes) {
      byPath.set(route.path, route);
      states.set(key(route.service, route.env), {
        deployed: { version: 'unknown', sha: '' },
        healthy: true,
        wrongVersionNext: undefined,
        reported: 'unknown',
      });
    }
    const traffic = new ServiceTraffic(options.routes);
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/metrics' && req.method === 'GET') {
        void traffic.exposition().then(
          ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
          () => res.writeHead(500).end(),
        );
        return;
      }
      const route = byPath.get(path);
      const state = route && states.get(key(route.service, route.env));
      if (!route || !state || req.method !== 'GET') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'not_found' }));
        return;
      }
      const body = {
        status: state.healthy ? 'ok' : 'unhealthy',
        service: route.service,
        env: route.env,
        version: state.reported,
        sha: state.deployed.sha,
      };
      res
        .writeHead(state.healthy ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(body));
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    traffic.start(options.trafficEveryMs ?? 200);
    return new SandboxServices(server, `http://127.0.0.1:${port}`, states, traffic);
  }

  markDeployed(service: string, env: string, deployed: DeployedVersion): void {
    const state = this.state(service, env);
    state.deployed = deployed;
    state.reported = state.wrongVersionNext ?? deployed.version;
    state.wrongVersionNext = undefined;
  }

  setHealthy(service: string, env: string, healthy: boolean): void {
    this.state(service, env).healthy = healthy;
  }

  /** The next deploy of service+env reports `version` instead of what was deployed (until the one after). */
  reportWrongVersion(service: string, env: string, version: string): void {
    this.state(service, env).wrongVersionNext = version;
  }

  deployed(service: string, env: string): DeployedVersion {
    return this.state(service, env).deployed;
  }

  async close(): Promise<void> {
    this.traffic.stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  private state(service: string, env: string): ServiceState {
    const state = this.states.get(key(service, env));
    if (!state) throw new Error(`no sandbox service ${service} in ${env}`);
    return state;
  }
}

export function startSandboxServices(options: {
  port?: number;
  routes: readonly ServiceRoute[];
  trafficEveryMs?: number;
}): Promise<SandboxServices> {
  return SandboxServices.start(options);
}

/**
 * Makes a successful deploy run "deploy": on the local GitHub's runCompleted with success, the service of the
 * run's repo in inputs.environment reports inputs.version / inputs.sha. Returns a function that unwires.
 */
export function wireSandboxServices(
  github: LocalGitHub,
  services: SandboxServices,
  serviceRepos: Readonly<Record<string, string>>,
): () => void {
  const onCompleted = (
    run: { conclusion: string | null; headSha: string },
    inputs: Readonly<Record<string, unknown>>,
    repo: string,
  ): void => {
    const service = serviceRepos[repo];
    const env = inputs.environment;
    const version = inputs.version;
    // Only deploy runs carry a version; a smoke run deploys nothing.
    if (run.conclusion !== 'success' || !service || typeof env !== 'string' || typeof version !== 'string')
      return;
    const sha = typeof inputs.sha === 'string' ? inputs.sha : run.headSha;
    try {
      services.markDeployed(service, env, { version, sha });
    } catch {
      // A run for an environment the sandbox does not serve (a smoke run without one): nothing to update.
    }
  };
  github.on('runCompleted', onCompleted);
  return () => {
    github.off('runCompleted', onCompleted);
  };
}
