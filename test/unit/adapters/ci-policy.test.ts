import { describe, expect, it } from 'vitest';
import { summariseCi } from '../../../src/adapters/github/ci.js';

const statuses = (...list: [string, string][]) => ({
  state: 'success',
  total_count: list.length,
  statuses: list.map(([context, state]) => ({ context, state })),
});
const checks = (...list: [string, string, string | null][]) => ({
  check_runs: list.map(([name, status, conclusion]) => ({ name, status, conclusion })),
});

describe('CI verdict with requiredChecks / ignoredChecks', () => {
  it('leaves ignored checks out, by name or glob', () => {
    const ci = summariseCi(
      statuses(['ci/build', 'success']),
      checks(['lint', 'completed', 'failure'], ['docs/spell', 'in_progress', null]),
      { ignored: ['lint', 'docs/*'] },
    );
    expect(ci).toEqual({ state: 'success', summary: '1/1 checks passed' });
    expect(summariseCi(statuses(), checks(['lint', 'completed', 'failure'])).state).toBe('failure');
  });

  it('is pending while a required check is not reported, and green once it passes', () => {
    const base = statuses(['ci/build', 'success']);
    expect(summariseCi(base, checks(), { required: ['security/scan', 'ci/*'] })).toEqual({
      state: 'pending',
      summary: 'required check not reported yet: security/scan',
    });
    expect(summariseCi(statuses(), checks(), { required: ['a', 'b'] }).summary).toBe(
      'required checks not reported yet: a, b',
    );
    expect(
      summariseCi(base, checks(['security/scan', 'completed', 'success']), { required: ['security/scan'] }),
    ).toEqual({ state: 'success', summary: '2/2 checks passed' });
  });

  it('still fails on a failing check that is not required, and when a required one fails', () => {
    expect(
      summariseCi(statuses(['ci/test', 'failure']), checks(['security/scan', 'completed', 'success']), {
        required: ['security/scan'],
      }).state,
    ).toBe('failure');
    expect(
      summariseCi(statuses(), checks(['security/scan', 'completed', 'timed_out']), {
        required: ['security/*'],
      }).state,
    ).toBe('failure');
  });

  it('fails closed when every reported check is ignored', () => {
    expect(summariseCi(statuses(['ci/build', 'success']), checks(), { ignored: ['ci/*'] })).toEqual({
      state: 'none',
      summary: 'every reported CI check is ignored here',
    });
  });
});
