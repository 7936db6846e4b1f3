import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../src/sandbox/console/parse.js';
import { runServiceCommand } from '../../../src/sandbox/console/service-command.js';
import { ServiceTraffic } from '../../../src/sandbox/traffic.js';

describe('console: service degrade | heal', () => {
  it('parses errors as a percentage and latency in seconds or ms', () => {
    expect(parseLine('service degrade api prod errors:5% latency:3s')).toEqual({
      ok: true,
      command: {
        kind: 'service-degrade',
        service: 'api',
        env: 'prod',
        how: { errors: 0.05, latencySeconds: 3 },
      },
    });
    expect(parseLine('service degrade api prod latency:250ms')).toMatchObject({
      command: { how: { latencySeconds: 0.25 } },
    });
    expect(parseLine('service heal api prod')).toEqual({
      ok: true,
      command: { kind: 'service-heal', service: 'api', env: 'prod' },
    });
  });

  it('says what to type for bad input', () => {
    expect(parseLine('service degrade api prod errors:150%')).toEqual({
      ok: false,
      error: '"errors:150%": use errors:<0–100>% or latency:<n>s',
    });
    expect(parseLine('service degrade api prod')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^usage: /),
    });
    expect(parseLine('service restart api prod')).toMatchObject({ ok: false });
  });

  it('degrades and heals the synthetic traffic, which the metrics show', async () => {
    const traffic = new ServiceTraffic([{ service: 'api', env: 'prod' }]);
    const degrade = parseLine('service degrade api prod errors:5% latency:3s');
    if (!degrade.ok || degrade.command.kind !== 'service-degrade') throw new Error('not parsed');
    expect(runServiceCommand(traffic, degrade.command)).toBe(
      'service: api prod now answers 5 % 5xx, 3 s latency',
    );
    for (let i = 0; i < 5; i++) traffic.round();
    const text = (await traffic.exposition()).body;
    // 100 requests at 5 %: exactly 5 errors, spread evenly.
    expect(text).toMatch(/http_requests_total\{service="api",env="prod",code="500"\} 5\b/);
    expect(text).toMatch(/http_requests_total\{service="api",env="prod",code="200"\} 95\b/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="2",service="api",env="prod"\} 0\b/);
    expect(runServiceCommand(traffic, { kind: 'service-heal', service: 'api', env: 'prod' })).toContain(
      'healthy',
    );
    expect(traffic.of('api', 'prod')).toEqual({ errors: 0, latencySeconds: 0.05 });
    expect(() => traffic.degrade('web', 'prod', { errors: 1 })).toThrow('no sandbox service web in prod');
  });
});
