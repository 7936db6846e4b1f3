import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../src/adapters/github/index.js';
import { octokitLogLevel } from '../../../src/adapters/github/octokit.js';
import { startLocalGitHub, type LocalGitHub } from '../../../src/sandbox/github/index.js';

const line = (status: string): string => `GET /repos/o/r/commits/x - ${status} with id ABC in 4ms`;

describe('defect 11: Octokit request log levels', () => {
  it.each([
    ['304', 'debug'],
    ['400', 'info'],
    ['404', 'info'],
    ['409', 'info'],
    ['422', 'info'],
    ['401', 'warn'],
    ['403', 'warn'],
    ['429', 'warn'],
    ['500', 'warn'],
    ['503', 'warn'],
    ['undefined', 'error'],
  ])('a %s answer is logged at %s', (status, level) => {
    expect(octokitLogLevel(line(status))).toBe(level);
  });

  let github: LocalGitHub | undefined;
  afterEach(async () => {
    await github?.close();
    github = undefined;
  });

  it('a mistyped ref is not logged as an error', async () => {
    github = await startLocalGitHub({ repos: ['example-org/api'] });
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const log = pino({ level: 'debug' }, sink);
    const client = createGitHubClient({ baseUrl: github.url, token: 't', log, userAgent: 'tests' });
    expect(await client.resolveRef('example-org/api', 'no-such-branch')).toBeUndefined();
    const requestLines = lines.filter((l) => / - \d{3} with id /.test(l.msg));
    expect(requestLines.length).toBeGreaterThan(0);
    expect(requestLines.every((l) => l.level === 30)).toBe(true); // info
  });
});
