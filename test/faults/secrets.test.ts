import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/adapters/http/metrics.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { people, startAppHarness, trackUntilDone } from '../helpers/app-deps.js';
import { recordFigure } from './figures.js';
import { createRouterDriver } from './router-driver.js';

// Recognisable fake values: any of them found in a log line, a message, an export or the metrics is a leak.
const FAKE = {
  DISCORD_TOKEN: 'MTEwMDAwMDAwMDAwMDAwMDAwMQ.FAKEDC.discord-token-fake-value-0001',
  GITHUB_TOKEN: 'ghp_FAKEfakeFAKEfakeFAKEfakeFAKEfake0001',
  GITHUB_WEBHOOK_SECRET: 'fake-webhook-secret-0001',
  MONGODB_URI: 'mongodb://release:fake-mongo-password-0001@127.0.0.1:27017/release',
};
const NEEDLES = [
  FAKE.DISCORD_TOKEN,
  FAKE.GITHUB_TOKEN,
  FAKE.GITHUB_WEBHOOK_SECRET,
  'fake-mongo-password-0001',
];

let found = 0;
let places = 0;
afterAll(() => {
  recordFigure('secrets', { tried: places, problems: found, detail: { 'fake secrets': NEEDLES.length } });
});

function leaks(where: string, text: string): string[] {
  places += 1;
  const hits = NEEDLES.filter((needle) => text.includes(needle)).map((n) => `${where}: ${n.slice(0, 12)}…`);
  found += hits.length;
  return hits;
}

describe('secrets never reach logs, messages, exports or metrics', () => {
  it('with fake credentials configured, a deploy, /health, /audit exports and errors show none of them', async () => {
    const raw = parseYaml(readFileSync('config/example.yaml', 'utf8')) as Record<string, unknown>;
    raw.freezeWindows = [];
    const config = parseConfig(JSON.stringify(raw), 'test.json', {
      ...FAKE,
      DISCORD_APP_ID: '990000000000000001',
    });
    const h = await startAppHarness({ config });
    const lines: string[] = [];
    const destination = { write: (line: string) => void lines.push(line) };
    // The harness's deps are a plain object: this copy logs every line, at every level, through the real logger.
    const deps = { ...h.deps, log: createLogger({ level: 'trace' }, destination) };
    const metrics = createMetrics({ defaultMetrics: false });
    const driver = createRouterDriver(deps, { metrics, everyLine: (line) => lines.push(line) });
    try {
      const { progress } = await requestDeploy(deps, {
        actor: people.alice,
        service: 'api',
        env: 'staging',
      });
      await trackUntilDone(deps, progress.deploy.id);
      const outcomes = [
        await driver.command(people.alice, 'deploy', {
          service: 'web',
          env: 'staging',
          reason: 'secrets check',
        }),
        await driver.command(people.carol, 'health'),
        await driver.command(people.carol, 'history', { service: 'api' }),
        await driver.command(people.carol, 'audit', { format: 'csv' }),
        await driver.command(people.carol, 'audit', { format: 'json' }),
      ];
      // An error that carries a credential in its message and fields, as a failing library call might.
      deps.log.error(
        {
          err: new Error(`request failed with ${FAKE.GITHUB_TOKEN}`),
          uri: FAKE.MONGODB_URI,
          token: FAKE.DISCORD_TOKEN,
        },
        `GitHub said no to ${FAKE.GITHUB_TOKEN}`,
      );
      const hits = [
        ...leaks('logs', lines.join('\n')),
        ...outcomes.flatMap((o, i) =>
          leaks(
            `answer ${i}`,
            JSON.stringify(o.sent, (_k, v: unknown) => v),
          ),
        ),
        ...outcomes
          .flatMap((o, i) =>
            o.sent.flatMap((s) =>
              ((s.payload.files as { attachment: Uint8Array }[] | undefined) ?? []).map((f) =>
                leaks(`export ${i}`, Buffer.from(f.attachment).toString('utf8')),
              ),
            ),
          )
          .flat(),
        ...leaks('metrics', await metrics.registry.metrics()),
        ...leaks('cards and notices', JSON.stringify(h.told)),
      ];
      expect(outcomes.filter((o) => o.sent.some((s) => s.payload.files)).length).toBe(2);
      expect(hits).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
