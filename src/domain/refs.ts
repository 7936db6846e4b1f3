/**
 * Which refs a person may name in `/deploy ref:` — the rules of `git check-ref-format --allow-onelevel`
 * (a branch or tag name, with or without `refs/heads/`), or an abbreviated or full commit SHA. A name git
 * would refuse never reaches GitHub, where "." or ".." would change the request path instead of naming a ref.
 */

const SHA = /^[0-9a-f]{4,40}$/i;
// Control characters, space, and the characters git reserves: ~ ^ : ? * [ \
// eslint-disable-next-line no-control-regex -- control characters are among those git refuses
const FORBIDDEN = /[\u0000-\u0020\u007f~^:?*[\\]/;

/** Why `ref` is not a ref git would accept, or undefined when it is one. */
export function refProblem(ref: string): string | undefined {
  if (SHA.test(ref)) return undefined;
  if (ref.length === 0) return 'is empty';
  if (ref === '@') return 'cannot be "@" alone';
  if (FORBIDDEN.test(ref)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (ref.includes('..')) return 'cannot contain ".."';
  if (ref.includes('@{')) return 'cannot contain "@{"';
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) {
    return 'cannot start or end with "/" or contain "//"';
  }
  if (ref.endsWith('.')) return 'cannot end with "."';
  for (const component of ref.split('/')) {
    if (component.startsWith('.')) return 'cannot have a part that starts with "."';
    if (component.endsWith('.lock')) return 'cannot have a part that ends with ".lock"';
  }
  return undefined;
}

export function isValidRef(ref: string): boolean {
  return refProblem(ref) === undefined;
}
