export { LocalGitHub, startLocalGitHub } from './server.js';
export type {
  LocalGitHubEvents,
  LocalGitHubOptions,
  LocalRun,
  RecordedRequest,
  RequestMatcher,
} from './server.js';
export type { CiState } from './model.js';
export type { RateLimitKind } from './rate-limit.js';
export type { RunAction, RunTiming } from './runs.js';
export { signature as webhookSignature } from './webhook.js';
export type { WebhookDelivery, WebhookTarget } from './webhook.js';
export type { ProtectionAnswerRecord } from './protection.js';
