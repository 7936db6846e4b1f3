import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resumeRequest } from '../../src/app/deploys/decide.js';
import { acknowledgeEmergency } from '../../src/app/rollback.js';
import type { NewDeploy } from '../../src/app/ports/repositories.js';
import { UserFacingError } from '../../src/domain/errors.js';
import { people, refusal, startAppHarness, type AppHarness } from '../helpers/app-deps.js';

let h: AppHarness;
beforeEach(async () => {
  h = await startAppHarness();
});
afterEach(async () => {
  await h.close();
});

const record = (over: Partial<NewDeploy>): NewDeploy => ({
  id: 'DPERM0001',
  kind: 'deploy',
  service: 'api',
  env: 'staging',
  ref: 'main',
  sha: 'a'.repeat(40),
  state: 'requested',
  reason: '',
  requestedBy: { id: people.alice.id, name: people.alice.name },
  createdAt: new Date(),
  ...over,
});

describe('defect 1: Deploy now on a re-offered request reads the roles at the click', () => {
  it('refuses the requester whose R4 role was removed since the request, and nobody else may press it', async () => {
    await h.deps.repos.deploys.create(record({}));
    const removed = { ...people.alice, roleIds: [] as string[] };
    expect((await refusal(resumeRequest(h.deps, removed, 'DPERM0001'))).code).toBe('NOT_ALLOWED');
    expect((await refusal(resumeRequest(h.deps, people.bob, 'DPERM0001'))).code).toBe('NOT_ALLOWED');
    expect((await h.deps.repos.deploys.get('DPERM0001'))?.state).toBe('requested');
  });
});

describe('defect 3: two R5s acknowledging one emergency rollback at once', () => {
  it('records one acknowledgement; the other click is told who acknowledged it', async () => {
    await h.deps.repos.deploys.create(
      record({ kind: 'rollback', emergency: true, state: 'running', requestedBy: people.alice }),
    );
    const results = await Promise.allSettled([
      acknowledgeEmergency(h.deps, people.bob, 'DPERM0001'),
      acknowledgeEmergency(h.deps, people.carol, 'DPERM0001'),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const reason = (lost[0] as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(UserFacingError);
    expect((reason as UserFacingError).code).toBe('ALREADY_DECIDED');
    const audit = await h.deps.repos.audit.find({ deployId: 'DPERM0001', limit: 10 });
    expect(audit.filter((e) => e.action === 'rollback.acknowledged')).toHaveLength(1);
  });
});
