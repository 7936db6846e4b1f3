import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../src/config.js';

const SECRET = 'xoxo-this-is-a-secret-token-value-1234567890';
const example = readFileSync('config/example.yaml', 'utf8');

function problems(source: string, env: NodeJS.ProcessEnv = {}, file = 'test.yaml'): string[] {
  try {
    parseConfig(source, file, env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('accepts the shipped example, with defaults filled in and durations in ms', () => {
    const config = loadConfig({ CONFIG_FILE: 'config/example.yaml' });
    expect(Object.keys(config.services)).toEqual(['api', 'web']);
    expect(config.services.api?.environments.map((e) => e.name)).toEqual(['staging', 'prod']);
    expect(config.freezeWindows.map((w) => w.name)).toEqual(['Elite Wars', 'WoF attack']);
    expect(config.freezeWindows[0]?.bufferBefore).toBe(2 * 3_600_000);
    expect(config.freezeWindows[1]?.duration).toBe(90 * 60_000);
    expect(config.approval.expiry).toBe(30 * 60_000);
    expect(Object.isFrozen(config.services.api)).toBe(true);
  });

  it('names the path of each of three mistakes, one line each', () => {
    const lines = problems(readFileSync('test/fixtures/config/three-mistakes.yaml', 'utf8'));
    expect(lines).toHaveLength(3);
    expect(lines).toContain('services.api.environments[1].healthUrl: Invalid URL');
    expect(lines.some((l) => l.startsWith('discord.roles.r4: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('freezeWindows[0].duration: must be a duration'))).toBe(true);
  });

  it('never prints a secret value, even when the secret itself is malformed', () => {
    const lines = problems(example, {
      DISCORD_TOKEN: SECRET,
      MONGODB_URI: `http://user:${SECRET}@db.example:27017`,
      GITHUB_WEBHOOK_SECRET: 'short',
    });
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines).toContain('env.MONGODB_URI: must start with mongodb:// or mongodb+srv://');
    expect(lines).toContain('env.DISCORD_APP_ID: required when DISCORD_TOKEN is set');
    expect(lines).toContain('env.GITHUB_WEBHOOK_SECRET: must be at least 8 characters');
  });

  it('reports unknown keys, a missing section and wrong types', () => {
    const lines = problems(`
discord:
  guilds: []
  opsChannelId: 12
  roles: { r4: '990000000000000104', r5: '990000000000000105' }
  colour: blue
services:
  api: { repo: o/r, workflow: deploy.yml, environments: [{ name: staging }] }
`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'discord.guilds: Too small: expected array to have >=1 items',
        expect.stringMatching(/^discord\.opsChannelId: /),
        expect.stringMatching(/^discord: Unrecognized key: "colour"/),
      ]),
    );
    expect(
      problems(example.replace(/^services:[\s\S]*?^freezeWindows:/m, 'services: {}\nfreezeWindows:')),
    ).toEqual(['services: at least one service is required']);
  });

  it('rejects an unknown time zone, a bad cron and duplicate environments', () => {
    const source = example
      .replace('timezone: Europe/London\nprod', 'timezone: Mars/Olympus\nprod')
      .replace("cron: '30 20 * * 3'", "cron: 'every wednesday'")
      .replace(
        '- name: prod\n        healthUrl: http://127.0.0.1:8790/web/prod/health',
        '- name: staging\n        healthUrl: http://127.0.0.1:8790/web/prod/health',
      );
    const lines = problems(source);
    expect(lines).toContain('timezone: must be an IANA time zone such as "Europe/London"');
    expect(lines.some((l) => l.startsWith('freezeWindows[1].cron: '))).toBe(true);
    expect(lines).toContain('services.web.environments[1].name: duplicate environment');
  });

  it('refuses per-service roles that replace the global ones but name no approver', () => {
    const source = example.replace(
      '  web:\n',
      "  web:\n    roles: { requesters: ['990000000000000201'], replace: true }\n",
    );
    expect(problems(source)).toContain(
      'services.web.roles.approvers: with replace: true, approvers must name at least one role (else nobody could approve)',
    );
    const named = example.replace(
      '  web:\n',
      "  web:\n    roles: { approvers: ['990000000000000202'], replace: true }\n",
    );
    expect(problems(named)).toEqual([]);
  });

  it('explains a file that is not YAML, or not there', () => {
    expect(problems('discord: [unclosed', {}, 'broken.yaml')[0]).toMatch(/^broken\.yaml: not valid YAML: /);
    expect(problems('{"discord": ', {}, 'broken.json')[0]).toMatch(/^broken\.json: not valid JSON: /);
    expect(() => loadConfig({ CONFIG_FILE: 'nope/missing.yaml' })).toThrow(ConfigError);
  });

  it('stops the process with exit code 2 and one line per problem, no stack trace, no secret', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        CONFIG_FILE: 'test/fixtures/config/three-mistakes.yaml',
        DISCORD_TOKEN: SECRET,
        DISCORD_APP_ID: '990000000000000999',
        MONGODB_URI: `mongodb://admin:${SECRET}@127.0.0.1:1/x`,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('Release Console cannot start: invalid configuration');
    expect(lines.slice(1)).toHaveLength(3);
    expect(result.stderr + result.stdout).not.toContain(SECRET);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
