import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque short ids people can read and type: a one-letter kind prefix and 8 Crockford base32 characters
 * (40 random bits), e.g. `D7K3F9QXA`. Crockford's alphabet has no I, L, O or U, so ids read aloud or typed
 * from a screenshot survive; `parseId` also accepts lower case and the usual look-alikes.
 */
export const ID_PREFIXES = {
  deploy: 'D',
  freeze: 'F',
  audit: 'A',
  lock: 'L',
  /** "Something went wrong (ref: E…)": the id logged with the cause. */
  error: 'E',
} as const;
export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES];

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY_LENGTH = 8;
const BODY = new RegExp(`^[${ALPHABET}]{${BODY_LENGTH}}$`);

/** A new random id of the given kind. */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(5); // 40 bits = exactly 8 base32 digits
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let body = '';
  for (let i = BODY_LENGTH - 1; i >= 0; i--) body += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)] ?? '';
  return prefix + body;
}

/** Whether `text` is exactly an id of this kind in canonical form (as stored and as put in custom_ids). */
export function isId(text: string, prefix: IdPrefix): boolean {
  return text.length === BODY_LENGTH + 1 && text.startsWith(prefix) && BODY.test(text.slice(1));
}

/**
 * Reads an id a person typed (`/approve d7k3f9qxa`): trims, upper-cases, maps the look-alikes O→0 and
 * I/L→1, and drops hyphens. Returns the canonical id, or undefined when it is not an id of this kind.
 */
export function parseId(text: string, prefix: IdPrefix): string | undefined {
  const compact = text.trim().toUpperCase().replaceAll('-', '');
  if (!compact.startsWith(prefix)) return undefined;
  const body = compact.slice(1).replace(/O/g, '0').replace(/[IL]/g, '1');
  const id = prefix + body;
  return isId(id, prefix) ? id : undefined;
}

/**
 * The id of the one record a key may ever have (the auto deploy of a service's SHA, the promotion of a
 * staging deploy): the same key always gives the same id, so the store's unique _id refuses a second one.
 */
export function stableId(prefix: IdPrefix, ...key: readonly string[]): string {
  const digest = createHash('sha256').update(key.join('\u0000')).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 5)) bits = (bits << 8n) | BigInt(byte);
  let body = '';
  for (let i = BODY_LENGTH - 1; i >= 0; i--) body += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)] ?? '';
  return prefix + body;
}
