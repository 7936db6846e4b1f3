import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freeLoopbackPort } from '../../../src/sandbox/stand-ins.js';

/** The configuration file as written (before zod defaults), for tests to modify. */
export type RawConfig = Record<string, unknown> & {
  services: Record<
    string,
    { environments: { name: string; healthUrl?: string }[] } & Record<string, unknown>
  >;
};

/** Short timings so tracking and verification happen within a test. */
export const E2E_TIMINGS = {
  tracking: { pollInterval: '500ms', stuckAfter: '30s' },
  verification: { window: '15m', checkInterval: '1s', autoVerify: false },
} as const;

/** config/example.yaml as an object. */
export function exampleConfig(root: string): RawConfig {
  return parseYaml(readFileSync(join(root, 'config', 'example.yaml'), 'utf8')) as RawConfig;
}

/** Points every health URL at `port` on 127.0.0.1, keeping its path. */
export function withHealthPort(config: RawConfig, port: number): RawConfig {
  const services = Object.fromEntries(
    Object.entries(config.services).map(([name, service]) => [
      name,
      {
        ...service,
        environments: service.environments.map((env) =>
          env.healthUrl
            ? { ...env, healthUrl: `http://127.0.0.1:${port}${new URL(env.healthUrl).pathname}` }
            : env,
        ),
      },
    ]),
  );
  return { ...config, services };
}

/** Writes the configuration as JSON (the loader takes .json as well as .yaml). */
export function writeConfig(dir: string, config: RawConfig): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** A port on 127.0.0.1 that was free a moment ago, outside the OS's ephemeral range (see the stand-ins). */
export const freePort = freeLoopbackPort;
