import type { Deploy } from '../../domain/model.js';
import { buildReleaseNotes } from '../../domain/release-notes.js';
import { targetOf } from '../deploys/context.js';
import type { AppDeps } from '../ports/deps.js';
import { shippedBetween } from './shipped.js';

/** GitHub's web address: the Release and compare links in the notes point there. */
const WEB = 'https://github.com';

/**
 * The GitHub Release of a successful prod deploy's tag (§17), after the tag effect in the same lane. A
 * Release of the tag that already exists (a retry, or made by hand) is the one linked: looked for first when
 * in doubt; otherwise GitHub's "already exists" answer to the creation names it, so the usual path costs no
 * look-up. The notes cover the commits and pull requests since the version that was live before.
 */
export async function createReleaseEffect(
  deps: AppDeps,
  deploy: Deploy,
  options: { inDoubt: boolean },
): Promise<void> {
  const version = deploy.version;
  if (!deps.config.visibility.releases || !version) return;
  const repo = targetOf(deps, deploy).serviceConfig.repo;
  let release = options.inDoubt ? await deps.github.findRelease(repo, version) : undefined;
  if (!release) {
    const shipped = await shippedBetween(deps, repo, deploy.previousSha, deploy.sha);
    const body = buildReleaseNotes({
      service: deploy.service,
      version,
      ...(deploy.previousVersion ? { previousVersion: deploy.previousVersion } : {}),
      commits: shipped.commits,
      pullsBySha: shipped.pullsBySha,
      ...(deploy.previousVersion
        ? { compareUrl: `${WEB}/${repo}/compare/${deploy.previousVersion}...${version}` }
        : {}),
    });
    release = await deps.github.createRelease(repo, {
      tag: version,
      name: `${deploy.service} ${version}`,
      body,
    });
    deps.log.info(
      { deployId: deploy.id, service: deploy.service, version, commits: shipped.commits.length },
      'release created',
    );
  }
  if (deploy.releaseUrl !== release.url) {
    await deps.repos.deploys.update(deploy.id, { releaseUrl: release.url }, deps.clock.now());
  }
}
