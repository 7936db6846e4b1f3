import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../src/logger.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz012345';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ level: 'debug' }, stream), text: () => lines.join('') };
}

describe('logger', () => {
  it('redacts tokens, authorization headers, webhook secrets and passwords in URIs', () => {
    const { log, text } = capture();
    log.info(
      {
        token: TOKEN,
        config: { DISCORD_TOKEN: TOKEN, webhookSecret: 'hook-secret-123456' },
        request: { headers: { authorization: `Bot ${TOKEN}` } },
        uri: 'mongodb://admin:s3cretPassw0rd@db.internal:27017/rc',
      },
      'connecting',
    );
    const out = text();
    expect(out).toContain('connecting');
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain('hook-secret-123456');
    expect(out).not.toContain('s3cretPassw0rd');
    expect(out).toContain('mongodb://admin:***@db.internal:27017/rc');
    expect(out).toContain('[Redacted]');
  });

  it('scrubs secrets from error messages and child logger bindings', () => {
    const { log, text } = capture();
    const child = log.child({ interactionId: '42' });
    child.error({ err: new Error(`connect failed: mongodb://u:pw12345@h/db with Bot ${TOKEN}`) }, 'boom');
    const out = text();
    expect(out).toContain('"interactionId":"42"');
    expect(out).not.toContain('pw12345');
    expect(out).not.toContain(TOKEN);
  });

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('deploy api to prod at https://github.com/o/r/actions/runs/1')).toBe(
      'deploy api to prod at https://github.com/o/r/actions/runs/1',
    );
  });
});
