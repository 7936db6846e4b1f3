import type { Deploy, ProgressEvent, RequesterNotice } from '../../../domain/model.js';
import { shortSha, userText } from '../../../domain/text.js';
import { renderRolloutProgress } from './rollout.js';

/** A progress line in the card's thread, from the typed event and the deploy record (escaped here, once). */
export function renderProgressLine(deploy: Deploy, event: ProgressEvent): string {
  const version = deploy.version ?? '';
  const run = deploy.runUrl ? ` — [run](${deploy.runUrl})` : '';
  switch (event.kind) {
    case 'dispatched':
      return `📤 Dispatched ${version} (\`${shortSha(deploy.sha)}\`)${run}`;
    case 'running':
      return `🏃 The run is in progress${run}`;
    case 'live':
      return `🟢 ${version} is live on ${deploy.env}.`;
    case 'ended':
      return `🔴 ${userText(deploy.outcomeReason ?? `The deploy ${deploy.state}.`, 500)}`;
    case 'stuck':
      return '⚠️ The run looks stuck: use **Cancel run** or **Re-run** on the card.';
    case 'rerun':
      return `🔁 Re-running the workflow (attempt ${event.attempt}).`;
    case 'verifying':
      return `🔎 Verifying ${version}: health checks${event.smoke ? ' and the smoke workflow' : ''} run; an R4 confirms with **Verified** before the window ends.`;
    case 'verified':
      return `✔️ Verified: ${userText(event.reason, 500)}`;
    case 'faulty':
      return `🔴 Verification failed: ${userText(event.reason, 500)} ${deploy.env} is locked; use **Rollback** on the card.`;
    case 'confirmed':
      return `👍 ${userText(event.by, 100)} confirmed; verified as soon as the automatic checks pass.`;
    case 'unlocked':
      return `🔓 ${deploy.env} is unlocked: ${userText(event.why, 300)}.`;
    case 'acknowledged':
      return '🤝 Emergency rollback acknowledged by an R5.';
    case 'verificationStopped':
      return `↪️ Verification stopped: ${event.replacedBy} replaced this deploy.`;
    case 'stepDispatched':
    case 'stepLive':
    case 'rolloutPaused':
    case 'rolloutResumed':
    case 'rolloutPromoted':
    case 'rolloutAborted':
      return renderRolloutProgress(deploy, event) ?? '';
  }
}

/** What the requester is told (the mention of them is added by the notifier, and pings nobody else). */
export function renderRequesterNotice(deploy: Deploy, notice: RequesterNotice): string {
  const what = `${deploy.id} (${deploy.service} → ${deploy.env})`;
  switch (notice.kind) {
    case 'offer':
      return `the way is clear for your queued deploy ${what}. Deploy now?`;
    case 'approvalVoid':
      return notice.waits
        ? `the approval for ${what} is void: ${userText(notice.reason, 300)}. It waits in the queue and will be offered again when the freeze ends.`
        : `the approval for ${what} is void: ${userText(notice.reason, 300)}. Request it again when maintenance is off.`;
  }
}
