import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { lockEnv } from '../../src/app/locks.js';
import { rankOf, forService } from '../../src/domain/roles.js';
import { people, refusal, ROLES, startAppHarness, testConfig, type AppHarness } from '../helpers/app-deps.js';

const WEB_REQUESTERS = '990000000000000201';
const WEB_APPROVERS = '990000000000000202';
const API_REQUESTERS = '990000000000000203';
const webRequester = { id: '900000000000000011', name: 'wendy', roleIds: [WEB_REQUESTERS] };
const apiRequester = { id: '900000000000000012', name: 'arthur', roleIds: [API_REQUESTERS] };

let h: AppHarness;
beforeEach(async () => {
  const config = testConfig((raw) => {
    raw.freezeWindows = [];
    const services = raw.services as Record<string, Record<string, unknown>>;
    services.web!.roles = { requesters: [WEB_REQUESTERS], approvers: [WEB_APPROVERS], replace: true };
    services.api!.roles = { requesters: [API_REQUESTERS] };
  });
  h = await startAppHarness({ config });
});
afterEach(async () => {
  await h.close();
});

describe('per-service roles (services.<name>.roles)', () => {
  it('adds the service’s own requesters beside the global R4/R5', async () => {
    const byOwn = await requestDeploy(h.deps, { actor: apiRequester, service: 'api', env: 'staging' });
    expect(byOwn.deploy.state).not.toBe('rejected');
    const byGlobal = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    expect(byGlobal.deploy.requestedBy.id).toBe(people.alice.id);
    // The api role means nothing for web.
    const elsewhere = requestDeploy(h.deps, { actor: apiRequester, service: 'web', env: 'staging' });
    expect((await refusal(elsewhere)).code).toBe('NOT_ALLOWED');
  });

  it('with replace, only the service’s own roles count for it, for locks too', async () => {
    const global = requestDeploy(h.deps, { actor: people.alice, service: 'web', env: 'staging' });
    expect((await refusal(global)).code).toBe('NOT_ALLOWED');
    const lock = lockEnv(h.deps, people.bob, { service: 'web', env: 'staging', reason: 'db work' });
    expect((await refusal(lock)).code).toBe('NOT_ALLOWED');
    await lockEnv(h.deps, webRequester, { service: 'web', env: 'staging', reason: 'db work' });
    expect((await h.deps.repos.locks.list({ service: 'web' })).map((l) => l.createdBy.name)).toEqual([
      'wendy',
    ]);
  });

  it('ranks a service approver as R5 and a requester as R4 for that service only', () => {
    const web = forService(ROLES, h.deps.config.services.web);
    expect(rankOf({ id: 'x', roleIds: [WEB_APPROVERS] }, web)).toBe('R5');
    expect(rankOf({ id: 'x', roleIds: [WEB_REQUESTERS] }, web)).toBe('R4');
    expect(rankOf(people.bob, web)).toBe('none');
    expect(rankOf({ id: 'x', roleIds: [WEB_APPROVERS] }, ROLES)).toBe('none');
    expect(rankOf(people.bob, forService(ROLES, h.deps.config.services.api))).toBe('R5');
  });
});
