import { afterEach, describe, expect, it } from 'vitest';
import { approveDeploy } from '../../src/app/deploys/decide.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { prFeedbackEffect } from '../../src/app/visibility/pr-feedback.js';
import { createReleaseEffect } from '../../src/app/visibility/releases.js';
import type { Deploy } from '../../src/domain/model.js';
import { PR_COMMENT_MARKER } from '../../src/domain/pr-comment.js';
import { people, startAppHarness, testConfig, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';

/** GitHub Releases and pull-request feedback (§17) through the app layer and the local GitHub API. */

const REPO = 'example-org/api';
let h: AppHarness;
afterEach(async () => {
  await h.close();
});

async function start(edit: (raw: Record<string, unknown>) => void = () => undefined): Promise<void> {
  h = await startAppHarness({
    config: testConfig((raw) => {
      raw.freezeWindows = [];
      const services = raw.services as Record<string, Record<string, unknown>>;
      services.api!.prComments = true;
      edit(raw);
    }),
  });
}

/** A successful deploy whose outbox has been worked to the end. */
async function ship(env: 'staging' | 'prod'): Promise<Deploy> {
  const { deploy } = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env });
  if (env === 'prod') await approveDeploy(h.deps, people.bob, deploy.id);
  const done = await trackUntilDone(h.deps, deploy.id);
  await h.deps.outbox.drain(done.id);
  if (env === 'staging') await h.deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date());
  return (await h.deps.repos.deploys.get(done.id))!;
}

const comments = (sha: string) => h.github.issueComments(REPO, h.github.pullNumberOf(REPO, sha)!);

describe('GitHub Release of a prod deploy', () => {
  it('creates the Release of the tag with grouped notes, and the marker links it', async () => {
    await start();
    const first = await ship('staging');
    await ship('prod');
    const feature = h.github.addCommit(REPO, 'feat(api): add the export endpoint');
    const fix = h.github.addCommit(REPO, 'fix: keep empty lines <b>as is</b>');
    expect([feature, fix]).not.toContain(first.sha);
    await ship('staging');
    const prod = await ship('prod');

    const releases = h.github.releases(REPO);
    expect(releases.map((r) => r.tag)).toEqual([expect.any(String), prod.version]);
    const notes = releases[1]!.body;
    expect(notes).toContain('### Features');
    expect(notes).toContain('### Fixes');
    expect(notes.indexOf('### Features')).toBeLessThan(notes.indexOf('### Fixes'));
    expect(notes).toContain(`(#${h.github.pullNumberOf(REPO, feature)})`);
    expect(notes).toContain('\\<b\\>');
    // Only what shipped since the previous prod version.
    expect(notes).not.toContain('add deploy metadata endpoint');
    expect(prod.releaseUrl).toMatch(new RegExp(`/${REPO}/releases/tag/`));
    expect(h.told.markers.at(-1)?.releaseUrl).toBe(prod.releaseUrl);
  });

  it('is idempotent: a Release that exists already is linked, never created twice', async () => {
    await start();
    await ship('staging');
    const prod = await ship('prod');
    const linked = prod.releaseUrl;
    const { releaseUrl: _linked, ...unlinked } = prod;
    // In doubt (a retry after a crash) it looks first; otherwise GitHub's "already exists" names the Release.
    await createReleaseEffect(h.deps, unlinked, { inDoubt: true });
    await h.deps.repos.deploys.update(
      prod.id,
      { releaseUrl: 'https://example.invalid/unlinked' },
      new Date(),
    );
    await createReleaseEffect(h.deps, unlinked, { inDoubt: false });
    expect(h.github.releases(REPO)).toHaveLength(1);
    expect((await h.deps.repos.deploys.get(prod.id))?.releaseUrl).toBe(linked);
    // Staging never gets a Release.
    expect(h.github.releases(REPO)[0]?.tag).toBe(prod.version);
  });

  it('is not created when releases are turned off', async () => {
    await start((raw) => {
      raw.visibility = { releases: false };
    });
    await ship('staging');
    const prod = await ship('prod');
    expect(h.github.releases(REPO)).toEqual([]);
    expect(prod.releaseUrl).toBeUndefined();
  });
});

describe('pull-request feedback', () => {
  it('one comment per pull request, with a line per env, edited in place', async () => {
    await start();
    const staging = await ship('staging');
    const [first] = comments(staging.sha);
    expect(comments(staging.sha)).toHaveLength(1);
    expect(first?.body).toContain(PR_COMMENT_MARKER);
    expect(first?.body).toContain(`🚀 Deployed to **staging** in ${staging.version} (deploy ${staging.id}`);

    const prod = await ship('prod');
    const after = comments(staging.sha);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(first?.id);
    expect(after[0]?.body).toContain('**staging**');
    expect(after[0]?.body).toContain(`🚀 Deployed to **prod** in ${prod.version} (deploy ${prod.id}`);

    // Worked again (a retry after a crash): nothing new, nothing duplicated.
    const edits = h.github.requests().filter((r) => r.method === 'PATCH').length;
    await prFeedbackEffect(h.deps, prod);
    expect(comments(staging.sha)).toHaveLength(1);
    expect(h.github.requests().filter((r) => r.method === 'PATCH').length).toBe(edits);
  });

  it('a rollback rewrites the env line of the pull requests it took back, and only those', async () => {
    await start();
    const old = await ship('staging');
    const bad = h.github.addCommit(REPO, 'feat: risky change');
    const live = await ship('staging');
    expect(live.sha).toBe(bad);
    // As requestRollback makes it: what it takes back is the deploy it rolls back (rollbackOf).
    const { previousSha: _before, ...liveNow } = live;
    const rollback: Deploy = {
      ...liveNow,
      id: 'DROLLBACK1',
      kind: 'rollback',
      sha: old.sha,
      version: old.version,
      rollbackOf: live.id,
    } as Deploy;
    await prFeedbackEffect(h.deps, rollback);
    const [comment] = comments(bad);
    expect(comment?.body).toContain(`⏪ Rolled back from **staging** to ${old.version} (deploy DROLLBACK1`);
    expect(comment?.body).not.toContain('🚀 Deployed to **staging**');
    // The pull request of the rollback target keeps its line.
    expect(comments(old.sha)[0]?.body).toContain('🚀 Deployed to **staging**');
    // A rollback of an env a pull request never reached writes nothing.
    await prFeedbackEffect(h.deps, { ...rollback, env: 'prod', id: 'DROLLBACK2' });
    expect(comments(bad)[0]?.body).not.toContain('**prod**');
  });

  it('edits only its own comment: a copy of the marker by someone else is left alone', async () => {
    await start((raw) => {
      raw.visibility = { githubLogin: 'release-console[bot]' };
    });
    const head = h.github.history(REPO)[0]!;
    h.github.addIssueComment(REPO, h.github.pullNumberOf(REPO, head)!, `${PR_COMMENT_MARKER} hi`, 'mallory');
    await ship('staging');
    const all = comments(head);
    expect(all).toHaveLength(2);
    expect(all[0]?.body).toBe(`${PR_COMMENT_MARKER} hi`);
    expect(all[1]).toMatchObject({ author: 'release-console[bot]' });
  });

  it('bounds the work: at most maxPullRequests pull requests per deploy', async () => {
    await start((raw) => {
      raw.visibility = { maxPullRequests: 1 };
    });
    const first = await ship('staging');
    const a = h.github.addCommit(REPO, 'feat: a');
    const b = h.github.addCommit(REPO, 'feat: b');
    h.github.pushedDirectly(REPO, h.github.addCommit(REPO, 'chore: straight to main'));
    await ship('staging');
    expect(comments(a)).toHaveLength(1);
    expect(comments(b)).toHaveLength(0);
    expect(comments(first.sha)).toHaveLength(1);
  });

  it('stays silent for a service that did not opt in', async () => {
    await start((raw) => {
      const services = raw.services as Record<string, Record<string, unknown>>;
      services.api!.prComments = false;
    });
    const staging = await ship('staging');
    expect(comments(staging.sha)).toEqual([]);
    expect(Object.values(staging.effects ?? {}).map((e) => e.spec.kind)).not.toContain('prFeedback');
  });
});
