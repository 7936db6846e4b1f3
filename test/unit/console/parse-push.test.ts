import { describe, expect, it } from 'vitest';
import { HELP, parseLine } from '../../../src/sandbox/console/parse.js';

describe('console: github push (continuous delivery, §15)', () => {
  it('reads the service and the quoted commit message', () => {
    expect(parseLine('github push api "fix: something"')).toEqual({
      ok: true,
      command: { kind: 'github-push', service: 'api', message: 'fix: something' },
    });
    expect(HELP).toContain('github push');
  });

  it.each(['github push', 'github push api', 'github push api "a" extra', 'github push api ""'])(
    'refuses %s with its usage',
    (line) => {
      expect(parseLine(line)).toEqual({ ok: false, error: 'usage: github push <service> "message"' });
    },
  );
});
