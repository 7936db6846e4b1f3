import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpsAnnouncement } from '../../src/app/ports/announcements.js';
import type { AppDeps } from '../../src/app/ports/deps.js';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { setMaintenance } from '../../src/app/maintenance.js';
import { isMaintenanceOn, maintenanceState } from '../../src/app/settings.js';
import { people, startAppHarness, type AppHarness, refusal, trackUntilDone } from '../helpers/app-deps.js';

let h: AppHarness;
let deps: AppDeps;
let announced: OpsAnnouncement[];
beforeEach(async () => {
  h = await startAppHarness();
  announced = h.told.announcements;
  deps = h.deps;
});
afterEach(async () => {
  await h.close();
});

describe('/maintenance on|off (app layer)', () => {
  it('only an R5 may toggle it, with a reason', async () => {
    expect((await refusal(setMaintenance(deps, people.alice, true, 'db upgrade'))).code).toBe('NOT_ALLOWED');
    expect((await refusal(setMaintenance(deps, people.dave, true, 'db upgrade'))).code).toBe('NOT_ALLOWED');
    expect((await refusal(setMaintenance(deps, people.bob, true, ' '))).code).toBe('BAD_INPUT');
    expect((await refusal(setMaintenance(deps, people.bob, false, 'nothing to end'))).code).toBe(
      'ALREADY_DECIDED',
    );
    expect(await isMaintenanceOn(deps.repos.settings)).toBe(false);
  });

  it('on: refuses deploys with MAINTENANCE and voids pending approvals; off: deploys again; both posted and audited', async () => {
    const staging = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' });
    const done = await trackUntilDone(deps, staging.deploy.id);
    await deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date());
    const pending = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'prod' });
    expect(pending.progress.kind).toBe('awaiting_approval');

    const on = await setMaintenance(deps, people.bob, true, 'MongoDB upgrade <@&990000000000000105>');
    expect(on.voided).toBe(1);
    expect(await maintenanceState(deps.repos.settings)).toMatchObject({ on: true, by: { name: 'bob' } });
    expect(announced).toMatchObject([{ kind: 'maintenance', on: true, voided: 1 }]);
    expect((await refusal(setMaintenance(deps, people.carol, true, 'again'))).message).toMatch(/already on/);

    // The pending approval is void and the request refused; its requester is told.
    expect((await deps.repos.approvals.get(pending.deploy.id))?.status).toBe('void');
    expect((await deps.repos.deploys.get(pending.deploy.id))?.state).toBe('rejected');
    expect(h.told.requesters.at(-1)?.text).toMatch(/void: maintenance is on/);
    expect((await refusal(approveDeploy(deps, people.carol, pending.deploy.id))).code).toBe(
      'ALREADY_DECIDED',
    );

    const refused = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' });
    expect(refused.progress).toMatchObject({ kind: 'refused', code: 'MAINTENANCE' });
    expect(refused.progress.kind === 'refused' && refused.progress.reason).toMatch(/MongoDB upgrade/);
    const runsDuring = h.github.runs('example-org/api').length;

    const off = await setMaintenance(deps, people.carol, false, 'upgrade done');
    expect(off.state.on).toBe(false);
    expect(await isMaintenanceOn(deps.repos.settings)).toBe(false);
    expect(announced.at(-1)).toMatchObject({ kind: 'maintenance', on: false, by: { name: 'carol' } });
    const again = await requestDeploy(deps, { actor: people.alice, service: 'api', env: 'staging' });
    expect(again.progress.kind).toBe('dispatched');
    expect(h.github.runs('example-org/api').length).toBe(runsDuring + 1);

    const actions = (await deps.repos.audit.find({ limit: 100 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['maintenance.on', 'maintenance.off']));
    const entry = (await deps.repos.audit.find({ limit: 100 })).find((e) => e.action === 'maintenance.on');
    expect(entry).toMatchObject({ actor: { name: 'bob' }, reason: 'MongoDB upgrade <@&990000000000000105>' });
  });
});
