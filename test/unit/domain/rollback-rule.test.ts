import { describe, expect, it } from 'vitest';
import { approvalRequired, canRollback, type RoleActor } from '../../../src/domain/roles.js';

const roles = { r4: 'r4', r5: 'r5' };
const actors: Record<'R5' | 'R4' | 'none', RoleActor> = {
  R5: { id: 'b', roleIds: ['r5'] },
  R4: { id: 'a', roleIds: ['r4'] },
  none: { id: 'd', roleIds: [] },
};
// staging asks for no approval on deploys; prod does.
const envs = { staging: false, prod: true } as const;

type Outcome = 'denied' | 'approval first' | 'dispatch, acknowledge after';

/** The rollback rule of §3, every env × rank × emergency. */
const table: [keyof typeof envs, keyof typeof actors, boolean, Outcome][] = [
  ['staging', 'R5', false, 'approval first'],
  ['staging', 'R5', true, 'dispatch, acknowledge after'],
  ['staging', 'R4', false, 'approval first'],
  ['staging', 'R4', true, 'dispatch, acknowledge after'],
  ['staging', 'none', false, 'denied'],
  ['staging', 'none', true, 'denied'],
  ['prod', 'R5', false, 'approval first'],
  ['prod', 'R5', true, 'dispatch, acknowledge after'],
  ['prod', 'R4', false, 'approval first'],
  ['prod', 'R4', true, 'dispatch, acknowledge after'],
  ['prod', 'none', false, 'denied'],
  ['prod', 'none', true, 'denied'],
];

describe('the staging rollback rule: a rollback waits for an R5 unless it is an emergency', () => {
  it.each(table)('%s, %s, emergency %s → %s', (env, rank, emergency, expected) => {
    const permission = canRollback(actors[rank], roles, { emergency, incidentDeclared: emergency });
    let outcome: Outcome = 'denied';
    if (permission.ok) {
      const waits = approvalRequired({ kind: 'rollback', envNeedsApproval: envs[env], emergency });
      expect(waits).toBe(permission.needsApproval);
      outcome = waits ? 'approval first' : 'dispatch, acknowledge after';
      expect(permission.needsAcknowledgement).toBe(!waits);
    }
    expect(outcome).toBe(expected);
  });

  it.each([
    ['staging', false],
    ['prod', true],
  ] as const)('a deploy to %s waits for approval: %s', (env, expected) => {
    expect(approvalRequired({ kind: 'deploy', envNeedsApproval: envs[env], emergency: false })).toBe(
      expected,
    );
  });
});
