import { describe, expect, it } from 'vitest';
import {
  canAcknowledgeEmergency,
  canApprove,
  canCancel,
  canFreeze,
  canOverrideFreeze,
  canRejectDeploy,
  canRequestDeploy,
  canRollback,
  canToggleMaintenance,
  canVerify,
  canView,
  rankOf,
  type RoleActor,
} from '../../../src/domain/roles.js';

const roles = { r4: '400', r5: '500' };
const r5 = { id: 'alice', roleIds: ['1', '500'] };
const r5b = { id: 'carol', roleIds: ['500'] };
const r4 = { id: 'bob', roleIds: ['400'] };
const both = { id: 'dave', roleIds: ['400', '500'] };
const nobody = { id: 'eve', roleIds: ['999'] };

const yes = { ok: true };
const no = (reason: string) => ({ ok: false, code: 'NOT_ALLOWED', reason });

describe('rankOf', () => {
  it.each([
    [r5, 'R5'],
    [r4, 'R4'],
    [both, 'R5'],
    [nobody, 'none'],
    [{ id: 'x', roleIds: [] }, 'none'],
  ] as const)('%o is %s', (actor, rank) => {
    expect(rankOf(actor, roles)).toBe(rank);
  });
});

describe('single-role actions', () => {
  const R45 = no('You need the R4 or R5 role to request a deploy');
  it.each([
    ['canRequestDeploy', canRequestDeploy, r5, yes],
    ['canRequestDeploy', canRequestDeploy, r4, yes],
    ['canRequestDeploy', canRequestDeploy, nobody, R45],
    ['canFreeze', canFreeze, r5, yes],
    ['canFreeze', canFreeze, r4, no('You need the R5 role to manage freezes')],
    ['canFreeze', canFreeze, nobody, no('You need the R5 role to manage freezes')],
    ['canToggleMaintenance', canToggleMaintenance, r5, yes],
    ['canToggleMaintenance', canToggleMaintenance, r4, no('You need the R5 role to change maintenance mode')],
    ['canOverrideFreeze', canOverrideFreeze, r5, yes],
    ['canOverrideFreeze', canOverrideFreeze, r4, no('You need the R5 role to override a freeze')],
    ['canVerify', canVerify, r4, yes],
    ['canVerify', canVerify, r5, yes],
    ['canVerify', canVerify, nobody, no('You need the R4 or R5 role to verify a deploy')],
    ['canView', canView, nobody, yes],
  ] as const)('%s(%o)', (_name, check, actor: RoleActor, expected) => {
    expect(check(actor, roles)).toEqual(expected);
  });
});

describe('four-eyes actions', () => {
  it.each([
    ['R5 approves another R5', canApprove, r5, 'carol', yes],
    ['R5 approves an R4', canApprove, r5, 'bob', yes],
    ['R5 approves own', canApprove, r5, 'alice', no('You cannot approve your own request (four-eyes rule)')],
    ['R4 approves', canApprove, r4, 'alice', no('You need the R5 role to approve')],
    ['nobody approves', canApprove, nobody, 'alice', no('You need the R5 role to approve')],
    ['R5 rejects', canRejectDeploy, r5b, 'alice', yes],
    [
      'R5 rejects own',
      canRejectDeploy,
      r5,
      'alice',
      no('You cannot reject your own request (four-eyes rule); cancel it instead'),
    ],
    ['R4 rejects', canRejectDeploy, r4, 'alice', no('You need the R5 role to reject')],
    ['R5 acknowledges', canAcknowledgeEmergency, r5b, 'bob', yes],
    [
      'R5 acknowledges own',
      canAcknowledgeEmergency,
      r5,
      'alice',
      no('You cannot acknowledge your own emergency rollback (four-eyes rule)'),
    ],
    [
      'R4 acknowledges',
      canAcknowledgeEmergency,
      r4,
      'alice',
      no('You need the R5 role to acknowledge an emergency rollback'),
    ],
    ['requester cancels', canCancel, nobody, 'eve', yes],
    ['R5 cancels another', canCancel, r5, 'bob', yes],
    ['R4 cancels another', canCancel, r4, 'alice', no('Only the requester or an R5 can cancel this request')],
  ] as const)('%s', (_name, check, actor: RoleActor, requesterId, expected) => {
    expect(check(actor, roles, requesterId)).toEqual(expected);
  });

  it('a role removed between request and click takes effect', () => {
    const before = { id: 'carol', roleIds: ['500'] };
    const after = { id: 'carol', roleIds: [] };
    expect(canApprove(before, roles, 'bob').ok).toBe(true);
    expect(canApprove(after, roles, 'bob').ok).toBe(false);
  });
});

describe('canRollback', () => {
  const normal = { ok: true, needsApproval: true, needsAcknowledgement: false };
  const emergency = { ok: true, needsApproval: false, needsAcknowledgement: true };
  it.each([
    ['R4, normal', r4, false, false, normal],
    ['R5, normal', r5, false, true, normal],
    ['R4, emergency with incident', r4, true, true, emergency],
    ['R5, emergency with incident', r5, true, true, emergency],
    [
      'R4, emergency without incident',
      r4,
      true,
      false,
      no('An emergency rollback needs a declared incident'),
    ],
    [
      'R5, emergency without incident',
      r5,
      true,
      false,
      no('An emergency rollback needs a declared incident'),
    ],
    ['nobody', nobody, true, true, no('You need the R4 or R5 role to request a rollback')],
  ] as const)('%s', (_name, actor: RoleActor, isEmergency, incidentDeclared, expected) => {
    expect(canRollback(actor, roles, { emergency: isEmergency, incidentDeclared })).toEqual(expected);
  });
});
