import { describe, expect, it } from 'vitest';
import { evaluateGates, type GateInput } from '../../../src/domain/gates.js';
import { ancestryVerdict, ciPolicyKey, matchesAny, shortRef } from '../../../src/domain/policy.js';

const green: GateInput = {
  isProd: true,
  maintenance: { on: false },
  staging: { deployed: true, verified: true },
  ci: 'success',
  smokeRed: false,
  credentialsOk: true,
  override: false,
};

describe('ref patterns', () => {
  it('matches names and globs, and nothing else', () => {
    expect(matchesAny('main', ['main', 'v*'])).toBe(true);
    expect(matchesAny('v2026.12.01', ['main', 'v*'])).toBe(true);
    expect(matchesAny('release/1.2', ['release/*'])).toBe(true);
    expect(matchesAny('mainline', ['main'])).toBe(false);
    expect(matchesAny('feature/x', ['main', 'v*'])).toBe(false);
    expect(matchesAny('main', [])).toBe(false);
    expect(shortRef('refs/heads/main')).toBe('main');
    expect(shortRef('refs/tags/v1')).toBe('v1');
  });
});

describe('ancestry verdicts', () => {
  const compared = (
    status: 'ahead' | 'behind' | 'identical' | 'diverged',
    aheadBy: number,
    behindBy: number,
  ) => ancestryVerdict({ kind: 'compared', status, aheadBy, behindBy });

  it('passes what contains prod, a rollback and a first prod deploy', () => {
    expect(compared('ahead', 2, 0)).toEqual({
      ok: true,
      unknown: false,
      reason: 'Contains what runs on prod (2 commits ahead)',
    });
    expect(compared('identical', 0, 0).ok).toBe(true);
    expect(ancestryVerdict({ kind: 'rollback' }).ok).toBe(true);
    expect(ancestryVerdict({ kind: 'none-on-prod' }).ok).toBe(true);
  });

  it('refuses behind, diverged and unknown ancestry, and a status it does not know', () => {
    expect(compared('behind', 0, 1).reason).toBe(
      '1 commit behind what runs on prod; use /rollback to go back',
    );
    expect(compared('diverged', 2, 3)).toMatchObject({ ok: false, unknown: false });
    expect(compared('diverged', 2, 3).reason).toMatch(/\(2 commits ahead, 3 commits behind\)/);
    expect(ancestryVerdict({ kind: 'unknown', reason: 'GitHub is unavailable' })).toEqual({
      ok: false,
      unknown: true,
      reason: 'Cannot tell whether this SHA contains what runs on prod: GitHub is unavailable',
    });
    const novel = ancestryVerdict({
      kind: 'compared',
      status: 'sideways' as 'ahead',
      aheadBy: 0,
      behindBy: 0,
    });
    expect(novel.ok).toBe(false);
  });
});

describe('policy gates', () => {
  const line = (input: GateInput, gate: string) => evaluateGates(input).find((r) => r.gate === gate);

  it('shows no policy line when the env has no policy', () => {
    const gates = evaluateGates(green).map((r) => r.gate);
    expect(gates).not.toContain('refs');
    expect(gates).not.toContain('ancestry');
  });

  it('refuses a ref the env does not allow with REF_NOT_ALLOWED, never waitable', () => {
    expect(line({ ...green, refs: { ref: 'refs/heads/main', allowed: ['main'] } }, 'refs')).toMatchObject({
      ok: true,
      reason: 'main is allowed',
    });
    expect(line({ ...green, refs: { ref: 'topic', allowed: ['main', 'v*'] } }, 'refs')).toMatchObject({
      ok: false,
      code: 'REF_NOT_ALLOWED',
      waitable: false,
    });
  });

  it('refuses a SHA behind prod with BEHIND_PROD, and unknown ancestry with GITHUB_UNAVAILABLE', () => {
    const behind = { kind: 'compared', status: 'behind', aheadBy: 0, behindBy: 3 } as const;
    expect(line({ ...green, ancestry: behind }, 'ancestry')).toMatchObject({
      ok: false,
      code: 'BEHIND_PROD',
      waitable: false,
      reason: '3 commits behind what runs on prod; use /rollback to go back',
    });
    expect(line({ ...green, ancestry: { kind: 'unknown', reason: 'timeout' } }, 'ancestry')).toMatchObject({
      ok: false,
      code: 'GITHUB_UNAVAILABLE',
    });
    expect(line({ ...green, ancestry: { kind: 'rollback' } }, 'ancestry')?.ok).toBe(true);
  });

  it('keys CI verdicts by policy', () => {
    expect(ciPolicyKey(undefined)).toBe(ciPolicyKey({}));
    expect(ciPolicyKey({ required: ['a'] })).not.toBe(ciPolicyKey({ ignored: ['a'] }));
  });
});
