import picomatch from 'picomatch';

/**
 * Per-environment policy (§16): where a deploy may come from, whether its SHA contains what runs on prod,
 * and which CI checks count. Pure rules over data the app gathered.
 */

/** Whether `name` matches one of `patterns` (a name such as "main", or a glob such as "v*", "release/*"). */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => picomatch.isMatch(name, pattern, { dot: true }));
}

/** A ref as people write it ("refs/heads/main" and "main" are the same branch). */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/**
 * How the SHA to deploy relates to the SHA now on prod, as GitHub's compare (`base` = prod, `head` = the
 * SHA) answers it; `unknown` when GitHub could not say (fails closed).
 */
export type Ancestry =
  | { readonly kind: 'none-on-prod' }
  | { readonly kind: 'rollback' }
  | {
      readonly kind: 'compared';
      readonly status: 'ahead' | 'behind' | 'identical' | 'diverged';
      readonly aheadBy: number;
      readonly behindBy: number;
    }
  | { readonly kind: 'unknown'; readonly reason: string };

const commits = (n: number): string => `${n} commit${n === 1 ? '' : 's'}`;

/** Whether the deploy may go ahead, and why (for the card's gate line). */
export function ancestryVerdict(ancestry: Ancestry): { ok: boolean; unknown: boolean; reason: string } {
  switch (ancestry.kind) {
    case 'none-on-prod':
      return { ok: true, unknown: false, reason: 'Nothing runs on prod yet' };
    case 'rollback':
      return { ok: true, unknown: false, reason: 'A rollback may go back to an older SHA' };
    case 'unknown':
      return {
        ok: false,
        unknown: true,
        reason: `Cannot tell whether this SHA contains what runs on prod: ${ancestry.reason}`,
      };
    case 'compared':
      return comparedVerdict(ancestry);
  }
}

function comparedVerdict(ancestry: Extract<Ancestry, { kind: 'compared' }>): {
  ok: boolean;
  unknown: boolean;
  reason: string;
} {
  const { aheadBy, behindBy } = ancestry;
  switch (ancestry.status) {
    case 'identical':
      return { ok: true, unknown: false, reason: 'The same SHA runs on prod' };
    case 'ahead':
      return { ok: true, unknown: false, reason: `Contains what runs on prod (${commits(aheadBy)} ahead)` };
    case 'behind':
      return {
        ok: false,
        unknown: false,
        reason: `${commits(behindBy)} behind what runs on prod; use /rollback to go back`,
      };
    default:
      // Diverged, or a status this table does not know (a new GitHub value): fail closed.
      return {
        ok: false,
        unknown: false,
        reason: `Does not contain what runs on prod (${commits(aheadBy)} ahead, ${commits(behindBy)} behind); deploy a SHA that contains it, or use /rollback`,
      };
  }
}

/** Which CI checks count for an env: `required` must be reported and green; `ignored` never block. */
export interface CiPolicy {
  readonly required?: readonly string[] | undefined;
  readonly ignored?: readonly string[] | undefined;
}

/** A stable key for caching a CI verdict per policy. */
export function ciPolicyKey(policy: CiPolicy | undefined): string {
  return JSON.stringify([policy?.required ?? [], policy?.ignored ?? []]);
}
