import { describe, expect, it } from 'vitest';
import { canControlRun, canResume, rollbackClickApproves } from '../../../src/domain/roles.js';

const roles = { r4: '400', r5: '500' };
const r5 = { id: 'carol', roleIds: ['500'] };
const r4 = { id: 'alice', roleIds: ['400'] };
const removed = { id: 'alice', roleIds: [] as string[] };

describe('the permission rules of the deploy flow (Deploy now, run control, the Rollback click)', () => {
  it('lets only the requester resume a re-offered request, and only while they still hold R4 or R5', () => {
    expect(canResume(r4, roles, 'alice')).toEqual({ ok: true });
    expect(canResume(r5, roles, 'alice')).toMatchObject({ ok: false, reason: /Only the requester/ });
    // The R4 role was removed after the request: the click is refused (roles are read at the click).
    expect(canResume(removed, roles, 'alice')).toMatchObject({ ok: false, reason: /R4 or R5/ });
  });

  it('lets R4 control a staging run, and only R5 a run in an env that needs approval', () => {
    expect(canControlRun(r4, roles, false)).toEqual({ ok: true });
    expect(canControlRun(r4, roles, true)).toMatchObject({ ok: false, reason: /R5/ });
    expect(canControlRun(r5, roles, true)).toEqual({ ok: true });
    expect(canControlRun(removed, roles, false)).toMatchObject({ ok: false });
  });

  it('treats a Rollback click as the approval only for an R5 who did not request the deploy', () => {
    expect(rollbackClickApproves(r5, roles, 'alice')).toBe(true);
    expect(rollbackClickApproves(r5, roles, 'carol')).toBe(false);
    expect(rollbackClickApproves(r4, roles, 'bob')).toBe(false);
  });
});
