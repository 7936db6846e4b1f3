import { describe, expect, it } from 'vitest';
import {
  clampReason,
  neutralizeMentions,
  stripFormatChars,
  userText,
  visibleLength,
} from '../../../src/domain/text.js';

const FAMILY = '👨\u200d👩\u200d👧\u200d👦';
const FLAG_FR = '🇫🇷';
const FLAG_ENGLAND = '🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}';
const RAINBOW_FLAG = '🏳️\u200d🌈';
const THUMBS_DARK = '👍🏿';

describe('defect 8: bidi and zero-width format characters never reach a message', () => {
  it.each([
    ['right-to-left override', 'deploy \u202egnp.exe', 'deploy gnp.exe'],
    ['isolates and marks', 'a\u2066b\u2069c\u200ed\u200f', 'abcd'],
    ['zero-width space and BOM', 'ad\u200bmin\ufeff', 'admin'],
    ['a joiner between letters', 'a\u200db', 'ab'],
    ['a joiner after an emoji with nothing to join', '👍\u200d', '👍'],
    ['soft hyphen and Arabic letter mark', 'ro\u00adll\u061cback', 'rollback'],
  ])('%s is removed', (_name, input, expected) => {
    expect(stripFormatChars(input)).toBe(expected);
    expect(neutralizeMentions(input)).toBe(expected);
    expect(userText(input, 100)).toBe(expected);
    expect(clampReason(input)).toBe(expected);
  });

  it.each([
    ['a family (ZWJ sequence)', FAMILY],
    ['a country flag', FLAG_FR],
    ['a subdivision flag (tag characters)', FLAG_ENGLAND],
    ['the rainbow flag (ZWJ with a variation selector)', RAINBOW_FLAG],
    ['a skin-tone emoji', THUMBS_DARK],
  ])('keeps %s whole', (_name, emoji) => {
    const text = `ship it ${emoji} now`;
    expect(stripFormatChars(text)).toBe(text);
    expect(userText(text, 100)).toBe(text);
    expect(clampReason(text)).toBe(text);
  });

  it('strips an override hidden inside an emoji sequence but keeps the sequence', () => {
    expect(stripFormatChars(`${FAMILY}\u202e`)).toBe(FAMILY);
  });

  it('still neutralizes a mention that a zero-width character tried to hide', () => {
    expect(neutralizeMentions('@\u200beveryone')).toBe('@\u200beveryone');
    expect(neutralizeMentions('@\u2060everyone')).toBe('@\u200beveryone');
  });
});

describe('defect 9: control characters never reach a message', () => {
  it('drops NUL and escape from user text', () => {
    expect(userText('api\u0000\u001b[31m', 40)).toBe('api\\[31m');
  });
});

describe('defect 2: visible length', () => {
  it.each([
    ['spaces and newlines', ' \n \t \n ', 0],
    ['zero-width characters', '\u200b\u200b\u200c\u200d\u2060\ufeff', 0],
    ['a word', 'revert', 6],
    ['a family counts as one', FAMILY, 1],
    ['a flag counts as one', FLAG_ENGLAND, 1],
  ])('%s', (_name, text, expected) => {
    expect(visibleLength(text)).toBe(expected);
  });
});
