import { pino } from 'pino';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { createMetrics } from '../../src/adapters/http/metrics.js';
import { startHttpServer, type HttpServer } from '../../src/adapters/http/server.js';
import { createStatusPageHandler } from '../../src/adapters/http/status-route.js';

/** The real HTTP server on loopback with the status page of `deps` (as main.ts wires it). */
export function startStatusServer(deps: AppDeps, token?: string): Promise<HttpServer> {
  return startHttpServer({
    port: 0,
    host: '127.0.0.1',
    metrics: createMetrics({ defaultMetrics: false }),
    log: pino({ level: 'silent' }),
    handlers: {
      readiness: () => Promise.resolve({ ready: true, checks: {} }),
      statusPage: createStatusPageHandler(deps, { token }),
    },
  });
}
