import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, isId, newId, parseId } from '../../../src/domain/ids.js';

describe('newId', () => {
  it.each(Object.values(ID_PREFIXES))('makes %s ids of 1 + 8 Crockford base32 characters', (prefix) => {
    const id = newId(prefix);
    expect(id).toMatch(new RegExp(`^${prefix}[0-9A-HJKMNP-TV-Z]{8}$`));
    expect(isId(id, prefix)).toBe(true);
  });

  it('does not repeat itself (40 random bits)', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newId('D')));
    expect(ids.size).toBe(2000);
  });

  it('uses the whole alphabet', () => {
    const seen = new Set(Array.from({ length: 500 }, () => newId('A').slice(1)).join(''));
    expect(seen.size).toBe(32);
  });
});

describe('isId', () => {
  it.each([
    ['D7K3F9QXA', 'D', true],
    ['F00000000', 'F', true],
    ['D7K3F9QXA', 'F', false],
    ['D7K3F9QX', 'D', false],
    ['D7K3F9QXAB', 'D', false],
    ['d7k3f9qxa', 'D', false],
    ['D7K3F9QXU', 'D', false], // U is not Crockford
    ['D7K3F9QXI', 'D', false],
    ['', 'D', false],
    ['D7K3F9QX ', 'D', false],
  ] as const)('isId(%j, %s) = %s', (text, prefix, expected) => {
    expect(isId(text, prefix)).toBe(expected);
  });
});

describe('parseId', () => {
  it.each([
    ['D7K3F9QXA', 'D', 'D7K3F9QXA'],
    ['  d7k3f9qxa ', 'D', 'D7K3F9QXA'],
    ['D7K3-F9QX-A', 'D', 'D7K3F9QXA'],
    ['DO0IL1111', 'D', 'D00111111'],
    ['L12345678', 'L', 'L12345678'],
    ['D7K3F9QXU', 'D', undefined],
    ['F7K3F9QXA', 'D', undefined],
    ['D7K3', 'D', undefined],
    ['<@123>', 'D', undefined],
  ] as const)('parseId(%j, %s) = %s', (text, prefix, expected) => {
    expect(parseId(text, prefix)).toBe(expected);
  });
});
