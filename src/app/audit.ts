import { newId } from '../domain/ids.js';
import type { AuditNote, Deploy } from '../domain/model.js';
import type { AppDeps } from './ports/deps.js';

/**
 * An audit entry about a deploy that is not a change of it (requested, a run action asked for): changes are
 * audited by their transition (src/app/pipeline/transition.ts).
 */
export async function audit(deps: AppDeps, deploy: Deploy, action: string, note: AuditNote): Promise<void> {
  await deps.repos.audit.append({
    id: newId('A'),
    at: deps.clock.now(),
    actor: note.actor,
    action,
    service: deploy.service,
    env: deploy.env,
    sha: deploy.sha,
    ...(deploy.version ? { version: deploy.version } : {}),
    deployId: deploy.id,
    outcome: deploy.state,
    ...(note.reason ? { reason: note.reason } : {}),
    ...(note.details ? { details: note.details } : {}),
  });
}
