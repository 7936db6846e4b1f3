export { startLocalDiscord, LocalDiscord } from './server.js';
export { Driver, type CommandContext } from './driver.js';
export { InteractionHandle, type WaitOptions } from './handle.js';
export type { OptionValue } from './command-options.js';
export type { RouteMatcher } from './http.js';
export type {
  ApplicationCommand,
  GatewayConnectionCounts,
  LocalDiscordEvents,
  LocalDiscordOptions,
  LocalMessage,
  LocalUserInfo,
  ModalData,
  ObservedMessage,
  PingRecord,
  SeedUser,
  UploadedFile,
} from './types.js';
