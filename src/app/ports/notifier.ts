import type { Approval, Deploy } from '../../domain/model.js';
import type { SmokeReport } from '../smoke.js';
import type { OpsAnnouncement } from './announcements.js';

/** Where a deploy's card lives in Discord. */
export interface CardLocation {
  readonly channelId: string;
  readonly messageId: string;
}

/**
 * What the deploy flow tells people, as the app sees it. The Discord adapter renders and posts through REST,
 * so any instance (leader or standby, a command or a job) can use it.
 */
export interface DeployNotifier {
  /** Posts the deploy's card the first time, edits it in place afterwards (re-rendered from the record). */
  syncCard(
    deploy: Deploy,
    extra?: { approval?: Approval; stuck?: boolean; pingApprovers?: boolean },
  ): Promise<CardLocation | undefined>;
  /** The half-time reminder for a pending approval: pings the R5 role once more. */
  remindApprovers(deploy: Deploy, approval: Approval): Promise<void>;
  /** A line of progress in the thread under the card. */
  progress(deploy: Deploy, text: string): Promise<void>;
  /** The deploy marker (§6) in the ops channel. */
  postMarker(deploy: Deploy): Promise<void>;
  /** A message to the requester in the ops channel (named, never pinged), optionally with buttons for them. */
  tellRequester(deploy: Deploy, text: string, offer?: 'deploy-now'): Promise<void>;
  /** A message to the whole ops channel (freezes, maintenance, overrides); optional for older notifiers. */
  announce?(announcement: OpsAnnouncement): Promise<void>;
  /** Asks the R5s (one role ping) to acknowledge an emergency rollback, with an Acknowledge button. */
  askAcknowledgement?(deploy: Deploy): Promise<void>;
  /** The nightly smoke's one summary in the ops channel; pings nobody. */
  smokeSummary?(report: SmokeReport): Promise<void>;
}
