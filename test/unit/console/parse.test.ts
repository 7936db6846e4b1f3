import { describe, expect, it } from 'vitest';
import { parseLine, tokenize } from '../../../src/sandbox/console/parse.js';

const command = (line: string) => {
  const result = parseLine(line);
  if (!result.ok) throw new Error(`expected "${line}" to parse: ${result.error}`);
  return result.command;
};
const error = (line: string) => {
  const result = parseLine(line);
  if (result.ok) throw new Error(`expected "${line}" to fail, got ${JSON.stringify(result.command)}`);
  return result.error;
};

describe('console parser', () => {
  it('reads a slash command with options and a quoted value', () => {
    expect(command('as alice /deploy service:api env:prod reason:"weekly release"')).toEqual({
      kind: 'command',
      user: 'alice',
      command: 'deploy',
      options: { service: 'api', env: 'prod', reason: 'weekly release' },
    });
  });

  it('takes bare words after the command name as the subcommand (and group)', () => {
    expect(command('as bob /freeze start duration:2h reason:"raid"')).toMatchObject({
      command: 'freeze',
      subcommand: 'start',
      options: { duration: '2h', reason: 'raid' },
    });
    expect(command('as bob /config freeze list')).toMatchObject({ subcommand: 'freeze list', options: {} });
  });

  it('keeps colons, quotes and escapes inside values', () => {
    expect(
      command(`as bob /deploy service:api ref:"feat: x" reason:'it''s' note:"say \\"hi\\""`),
    ).toMatchObject({
      options: { service: 'api', ref: 'feat: x', reason: 'its', note: 'say "hi"' },
    });
    expect(command('as bob /deploy at:12:30')).toMatchObject({ options: { at: '12:30' } });
  });

  it('reads click, approve and modal', () => {
    expect(command('as bob click Approve')).toEqual({ kind: 'click', user: 'bob', button: 'Approve' });
    expect(command('as alice click Tick 2')).toEqual({ kind: 'click', user: 'alice', button: 'Tick 2' });
    expect(command('as bob click Roll back in 1234567890')).toEqual({
      kind: 'click',
      user: 'bob',
      button: 'Roll back',
      messageId: '1234567890',
    });
    expect(command('as carol approve')).toEqual({ kind: 'approve', user: 'carol' });
    expect(command('as bob modal plan:"revert to v1" ticket:42')).toEqual({
      kind: 'modal',
      user: 'bob',
      fields: { plan: 'revert to v1', ticket: '42' },
    });
  });

  it('reads the console commands', () => {
    expect(command('help')).toEqual({ kind: 'help' });
    expect(command('users')).toEqual({ kind: 'users' });
    expect(command('history')).toEqual({ kind: 'history', limit: 10 });
    expect(command('history 3')).toEqual({ kind: 'history', limit: 3 });
    expect(command('github fail-next api')).toEqual({ kind: 'github-fail-next', service: 'api' });
    expect(command('wait 2.5')).toEqual({ kind: 'wait', seconds: 2.5 });
    expect(command('quit')).toEqual({ kind: 'exit' });
    expect(command('  # a comment')).toEqual({ kind: 'empty' });
    expect(command('')).toEqual({ kind: 'empty' });
  });

  it('explains bad lines in one line', () => {
    expect(error('deploy api')).toBe('unknown command "deploy" (type "help")');
    expect(error('as alice /deploy reason:"open')).toBe('unclosed " quote');
    expect(error('as alice /deploy service:api prod')).toBe('/deploy: expected name:value, got "prod"');
    expect(error('as alice /deploy env:prod env:staging')).toBe('/deploy: "env" is given twice');
    expect(error('as alice /deploy :x')).toBe('/deploy: expected name:value, got ":x"');
    expect(error('as alice deploy')).toMatch(/after "as alice" comes \/<command>/);
    expect(error('as alice')).toMatch(/^usage: as <user>/);
    expect(error('as alice click Approve in here')).toBe('"in" takes a message id (digits)');
    expect(error('wait soon')).toMatch(/^usage: wait <seconds>/);
    expect(error('github fail-next')).toBe('usage: github fail-next <service>');
    for (const message of [error('as a /x a b c k:v'), error('history 0'), error('users all')]) {
      expect(message).not.toContain('\n');
    }
  });

  it('tokenizes quoted words, remembering only colons typed outside quotes', () => {
    const result = tokenize(`a "b:c" d:"e f"`);
    expect(result).toEqual({
      ok: true,
      tokens: [
        { text: 'a', colon: -1 },
        { text: 'b:c', colon: -1 },
        { text: 'd:e f', colon: 1 },
      ],
    });
  });
});
