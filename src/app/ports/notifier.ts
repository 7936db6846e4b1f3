import type { Approval, Deploy, ProgressEvent, RequesterNotice } from '../../domain/model.js';
import type { OpsAnnouncement } from './announcements.js';

/** Where a deploy's card lives in Discord. */
export interface CardLocation {
  readonly channelId: string;
  readonly messageId: string;
}

export interface SmokeResult {
  readonly service: string;
  readonly outcome: 'green' | 'red' | 'skipped';
  readonly detail: string;
  readonly runUrl?: string;
}

export interface SmokeReport {
  readonly env: string;
  readonly results: readonly SmokeResult[];
}

/**
 * What the deploy flow tells people, as the app sees it. The Discord adapter renders and posts through REST,
 * so any instance (leader or standby, a command or a job) can use it. Every method throws when Discord did
 * not take the message: the outbox retries it. `key` names the effect, so a retried post is not doubled.
 */
export interface DeployNotifier {
  /** Posts the deploy's card the first time, edits it in place afterwards (rendered from this record). */
  showCard(
    deploy: Deploy,
    extra?: { approval?: Approval; pingApprovers?: boolean },
  ): Promise<CardLocation | undefined>;
  /** A card or marker this bot already posted for the deploy (after a crash, before posting again). */
  findPosted(deploy: Deploy, what: 'card' | 'marker'): Promise<CardLocation | undefined>;
  /** The half-time reminder for a pending approval: pings the R5 role once more. */
  remindApprovers(deploy: Deploy, approval: Approval): Promise<void>;
  /** A line of progress in the thread under the card. */
  progress(deploy: Deploy, event: ProgressEvent, key: string): Promise<void>;
  /** The deploy marker (§6) in the ops channel. */
  postMarker(deploy: Deploy): Promise<void>;
  /** A message to the requester in the ops channel (named, never pinged), with Deploy now for an offer. */
  tellRequester(deploy: Deploy, notice: RequesterNotice, key: string): Promise<void>;
  /** A message to the whole ops channel (freezes, maintenance, overrides); optional for older notifiers. */
  announce?(announcement: OpsAnnouncement): Promise<void>;
  /** Asks the R5s (one role ping) to acknowledge an emergency rollback, with an Acknowledge button. */
  askAcknowledgement?(deploy: Deploy): Promise<void>;
  /** The nightly smoke's one summary in the ops channel; pings nobody. */
  smokeSummary?(report: SmokeReport): Promise<void>;
}
