import { describe, expect, it } from 'vitest';
import { boardRows, type BoardEnvFacts } from '../../../src/domain/status-board.js';

const at = new Date('2026-12-01T10:00:00Z');
const facts = (over: Partial<BoardEnvFacts> = {}): BoardEnvFacts => ({
  service: 'api',
  env: 'prod',
  locks: [],
  queued: 0,
  ...over,
});
const live = {
  deployId: 'D1',
  version: 'v2026.12.01',
  sha: 'abcdef1234567890abcdef1234567890abcdef12',
  at,
  verification: 'verified' as const,
  kind: 'deploy' as const,
};

describe('status board rows', () => {
  it('shows version, short SHA, verification and last deploy time of what is live', () => {
    const [row] = boardRows({ at, envs: [facts({ live })] });
    expect(row).toMatchObject({
      service: 'api',
      env: 'prod',
      version: 'v2026.12.01',
      shortSha: 'abcdef1',
      verification: 'verified',
      lastDeployAt: at,
      holds: [],
      queued: 0,
      health: 'ok',
      rolledBack: false,
    });
  });

  it('an env with nothing deployed is empty', () => {
    const [row] = boardRows({ at, envs: [facts()] });
    expect(row).toMatchObject({ verification: 'none', health: 'empty', holds: [] });
    expect(row?.version).toBeUndefined();
  });

  it('locks, freezes and maintenance hold it back; faulty wins over everything', () => {
    const [locked, frozen, faulty] = boardRows({
      at,
      maintenance: { reason: 'db move', by: 'bob' },
      envs: [
        facts({ locks: [{ kind: 'manual', reason: 'load test', by: 'bob' }], queued: 2 }),
        facts({ env: 'staging', freeze: { name: 'Elite Wars', endsAt: at, inBuffer: true } }),
        facts({ live: { ...live, verification: 'faulty', kind: 'rollback' } }),
      ],
    });
    expect(locked?.holds).toEqual(['maintenance', 'locked (manual): load test']);
    expect(locked).toMatchObject({ health: 'blocked', queued: 2 });
    expect(frozen?.holds).toEqual(['maintenance', 'freeze soon: Elite Wars']);
    expect(faulty).toMatchObject({ health: 'faulty', rolledBack: true });
  });

  it('a deploy in flight makes it busy', () => {
    const [row] = boardRows({
      at,
      envs: [facts({ live, inFlight: { deployId: 'D2', state: 'running', version: 'v2026.12.01-patch1' } })],
    });
    expect(row).toMatchObject({ health: 'busy', inFlight: 'running v2026.12.01-patch1' });
    const [bare] = boardRows({ at, envs: [facts({ inFlight: { deployId: 'D3', state: 'approved' } })] });
    expect(bare?.inFlight).toBe('approved D3');
    expect(
      boardRows({ at, envs: [facts({ env: 'x', freeze: { name: 'F', endsAt: at, inBuffer: false } })] })[0]
        ?.holds,
    ).toEqual(['frozen: F']);
  });
});
