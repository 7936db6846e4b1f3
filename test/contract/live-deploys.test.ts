import { expect, it } from 'vitest';
import type { NewDeploy } from '../../src/app/ports/repositories.js';
import { alice, at, forEachBackend, uid } from './backends.js';

const live = (service: string, over: Partial<NewDeploy>): NewDeploy => ({
  id: uid('D'),
  kind: 'deploy',
  service,
  env: 'prod',
  ref: 'main',
  sha: 'b'.repeat(40),
  state: 'succeeded',
  reason: '',
  requestedBy: alice,
  createdAt: at(0),
  ...over,
});

forEachBackend('DeployRepository.liveSince', (repos) => {
  it('returns the deploys of an env that went live since a time, oldest first, optionally of one service', async () => {
    const env = uid('env');
    const api = uid('api');
    const web = uid('web');
    const late = await repos().deploys.create(live(api, { env, finishedAt: at(30) }));
    const early = await repos().deploys.create(live(web, { env, finishedAt: at(20) }));
    await repos().deploys.create(live(api, { env, finishedAt: at(5) })); // before `since`
    await repos().deploys.create(live(api, { env, state: 'failed', finishedAt: at(25) }));
    await repos().deploys.create(live(api, { env: uid('other'), finishedAt: at(25) }));
    await repos().deploys.create(live(api, { env, state: 'succeeded' })); // no finishedAt

    const all = await repos().deploys.liveSince({ env, since: at(10) });
    expect(all.map((d) => d.id)).toEqual([early.id, late.id]);
    const ofApi = await repos().deploys.liveSince({ env, service: api, since: at(10) });
    expect(ofApi.map((d) => d.id)).toEqual([late.id]);
    expect(ofApi[0]?.finishedAt).toEqual(at(30));
  });
});
