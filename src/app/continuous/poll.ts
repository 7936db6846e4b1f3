import type { AppDeps } from '../ports/deps.js';
import { autoDeployCommit, followingServices, settledOutcome } from './auto-deploy.js';

/** What the poll remembers per service: the head it saw, its ETag, and whether that head is dealt with. */
interface SeenHead {
  readonly sha: string;
  /** Absent when GitHub sent none (stored as JSON: undefined is dropped). */
  readonly etag: string | undefined;
  readonly settled: boolean;
}
const seenKey = (service: string): string => `cd-head:${service}`;

/**
 * The webhook's fallback (§15): reads each opted-in service's default-branch head with the ETag of the last
 * read (an unchanged branch costs a 304), and hands a head not dealt with yet to `autoDeployCommit`. The
 * first head ever seen is the baseline: turning continuous delivery on deploys what comes next, not what was
 * already there. Kept in settings, so a restart neither re-reads nor re-deploys.
 */
export async function pollBranchHeads(deps: AppDeps): Promise<void> {
  for (const { name, service } of followingServices(deps)) {
    try {
      const seen = await deps.repos.settings.get<SeenHead>(seenKey(name));
      const read = await deps.github.branchHead(service.repo, service.defaultRef, seen?.etag);
      const sha = read.notModified ? seen?.sha : read.sha;
      const etag = read.notModified ? seen?.etag : read.etag;
      if (!sha) continue;
      const now = deps.clock.now();
      if (!seen) {
        await deps.repos.settings.set(seenKey(name), { sha, etag, settled: true }, now);
        continue;
      }
      if (seen.sha === sha && seen.settled) {
        if (etag !== seen.etag) await deps.repos.settings.set(seenKey(name), { ...seen, etag }, now);
        continue;
      }
      const outcome = await autoDeployCommit(deps, name, sha, 'poll');
      await deps.repos.settings.set(seenKey(name), { sha, etag, settled: settledOutcome(outcome) }, now);
    } catch (error) {
      deps.log.warn({ err: error, service: name }, 'could not poll the default branch');
    }
  }
}
