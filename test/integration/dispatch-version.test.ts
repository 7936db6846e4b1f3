import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { localDate } from '../../src/domain/calver.js';
import type { DeployState } from '../../src/domain/model.js';
import { people, startAppHarness, type AppHarness } from '../helpers/app-deps.js';
import { prodAwaitingApproval } from '../helpers/deploys.js';

let h: AppHarness;
afterEach(async () => {
  await h.close();
});

/** The state the deploy was in each time the tag lookup (the version) was asked for. */
function watchTagLookups(options: { failFirst?: boolean; hangFirst?: boolean } = {}): {
  statesAtLookup: (DeployState | undefined)[];
} {
  const seen = { statesAtLookup: [] as (DeployState | undefined)[] };
  const github = h.deps.github;
  const listTags = github.listTags.bind(github);
  let calls = 0;
  github.listTags = async (repo, prefix) => {
    calls += 1;
    const deploys = await h.deps.repos.deploys.findByStates(
      ['requested', 'awaiting_approval', 'approved'],
      {},
    );
    seen.statesAtLookup.push(deploys.find((d) => d.env === 'prod' || d.env === 'staging')?.state);
    if (options.failFirst && calls === 1) throw new Error('GitHub is unavailable');
    if (options.hangFirst && calls === 1) return new Promise<string[]>(() => undefined);
    return listTags(repo, prefix);
  };
  return seen;
}

const todaysPrefix = (): string => {
  const d = localDate(new Date(), h.deps.config.timezone);
  return `v${d.year}.${String(d.month).padStart(2, '0')}.${String(d.day).padStart(2, '0')}`;
};

const dispatchedVersion = (deployId: string): unknown =>
  h.github.runs('example-org/api').find((r) => r.inputs.deploy_id === deployId)?.inputs.version;

describe('the version a dispatch sends is read beside the approving step’s gates (approve → dispatch latency)', () => {
  it('an approval looks the version up while the deploy still awaits it, and the dispatch sends that one', async () => {
    h = await startAppHarness();
    const deploy = await prodAwaitingApproval(h);
    const lookups = watchTagLookups();
    await approveDeploy(h.deps, people.bob, deploy.id);
    // One lookup, made before the approval was written: nothing is read from GitHub after it but the dispatch.
    expect(lookups.statesAtLookup).toEqual(['awaiting_approval']);
    const after = await h.deps.repos.deploys.get(deploy.id);
    expect(after?.version).toMatch(new RegExp(`^${todaysPrefix().replace(/\./g, '\\.')}`));
    expect(dispatchedVersion(deploy.id)).toBe(after?.version);
  });

  it('a staging deploy approved at once reads its version beside the gates too', async () => {
    h = await startAppHarness();
    const lookups = watchTagLookups();
    const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    expect(lookups.statesAtLookup).toEqual(['requested']);
    expect(dispatchedVersion(deploy.id)).toBe((await h.deps.repos.deploys.get(deploy.id))?.version);
  });

  it('when the look-ahead fails, the dispatch looks again rather than send a stale version from another day', async () => {
    h = await startAppHarness();
    const deploy = await prodAwaitingApproval(h);
    // A version left from an earlier approval, days ago (held back since): it must not be reused.
    await h.deps.repos.deploys.update(deploy.id, { version: 'v2020.01.01' }, new Date());
    const lookups = watchTagLookups({ failFirst: true });
    await approveDeploy(h.deps, people.bob, deploy.id);
    expect(lookups.statesAtLookup).toEqual(['awaiting_approval', 'approved']);
    const sent = dispatchedVersion(deploy.id);
    expect(sent).toMatch(new RegExp(`^${todaysPrefix().replace(/\./g, '\\.')}`));
    expect((await h.deps.repos.deploys.get(deploy.id))?.version).toBe(sent);
  });

  it('a tag lookup that hangs does not hold the approval: the dispatch looks the version up itself', async () => {
    h = await startAppHarness();
    const deploy = await prodAwaitingApproval(h);
    const lookups = watchTagLookups({ hangFirst: true });
    const progress = await approveDeploy(h.deps, people.bob, deploy.id);
    expect(progress.kind).not.toBe('lost-race');
    expect(lookups.statesAtLookup).toEqual(['awaiting_approval', 'approved']);
    expect(dispatchedVersion(deploy.id)).toMatch(new RegExp(`^${todaysPrefix().replace(/\./g, '\\.')}`));
  });
});
