import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, type Config } from '../../../src/config.js';

const example = parse(readFileSync('config/example.yaml', 'utf8')) as {
  services: { api: { environments: Record<string, unknown>[] } };
};

/** The shipped example with `extra` merged into api's prod environment. */
function withProd(extra: Record<string, unknown>): string {
  const copy = structuredClone(example);
  copy.services.api.environments = copy.services.api.environments.map((env) =>
    env.name === 'prod' ? { ...env, ...extra } : env,
  );
  return stringify(copy);
}

function parsed(source: string, env: NodeJS.ProcessEnv = {}): Config | string[] {
  try {
    return parseConfig(source, 'test.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

function prodOf(config: Config | string[]) {
  if (Array.isArray(config)) throw new Error(config.join('\n'));
  return config.services.api?.environments.find((e) => e.name === 'prod');
}

describe('rollout configuration', () => {
  it('fills in the documented defaults: 5/25/50/100, 5m pause, 5xx > 1 % and p95 > 2 s', () => {
    const rollout = prodOf(parsed(withProd({ rollout: {} })))?.rollout;
    expect(rollout?.steps).toEqual([5, 25, 50, 100]);
    expect(rollout?.pause).toBe(5 * 60_000);
    expect(rollout?.analysis.queries.map((q) => [q.name, q.op, q.threshold])).toEqual([
      ['error-rate', '>', 0.01],
      ['p95-latency', '>', 2],
    ]);
    expect(rollout?.analysis).toMatchObject({
      interval: 60_000,
      count: 5,
      failureLimit: 0,
      consecutiveErrorLimit: 4,
    });
  });

  it('is opt-in: an env without it has no rollout', () => {
    expect(prodOf(parsed(withProd({})))?.rollout).toBeUndefined();
  });

  it('names what is wrong with steps, limits and queries', () => {
    const lines = parsed(
      withProd({
        rollout: {
          steps: [5, 50],
          analysis: {
            count: 2,
            failureLimit: 2,
            consecutiveErrorLimit: -1,
            queries: [
              { name: 'a', query: 'up', threshold: 1, op: '>' },
              { name: 'a', query: 'up', threshold: 1, op: '<' },
            ],
          },
        },
      }),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        'services.api.environments[1].rollout.steps: the last step must be 100',
        'services.api.environments[1].rollout.analysis.failureLimit: must be below count, or it never fails',
        'services.api.environments[1].rollout.analysis.queries[1].name: duplicate query name',
        expect.stringMatching(
          /^services\.api\.environments\[1\]\.rollout\.analysis\.consecutiveErrorLimit: /,
        ),
      ]),
    );
  });

  it('refuses a comparison other than > and <', () => {
    const lines = parsed(
      withProd({ rollout: { analysis: { queries: [{ name: 'a', query: 'up', threshold: 1, op: '>=' }] } } }),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^services\.api\.environments\[1\]\.rollout\.analysis\.queries\[0\]\.op: /),
    ]);
  });

  it('takes verification analysis with autoRollback off by default, and the Prometheus URL', () => {
    const config = parsed(withProd({ verification: { analysis: { interval: '30s', count: 3 } } }), {
      PROMETHEUS_URL: 'http://127.0.0.1:9090',
    });
    const prod = prodOf(config);
    expect(prod?.verification?.autoRollback).toBe(false);
    expect(prod?.verification?.analysis?.interval).toBe(30_000);
    expect((config as Config).env.PROMETHEUS_URL).toBe('http://127.0.0.1:9090');
    expect(parsed(withProd({ verification: { autoRollback: 'yes' } }))).toEqual([
      expect.stringMatching(/^services\.api\.environments\[1\]\.verification\.autoRollback: /),
    ]);
  });
});
