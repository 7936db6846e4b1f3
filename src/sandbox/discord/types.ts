import type {
  APIApplicationCommand,
  APIAttachment,
  APIEmbed,
  APIMessageTopLevelComponent,
  APIModalInteractionResponseCallbackData,
  APIUser,
} from 'discord.js';

export type JsonObject = Record<string, unknown>;

export interface SeedUser {
  name: string;
  /** Role names, e.g. `['R5']`. */
  roles: readonly string[];
  id?: string;
}

export interface LocalDiscordOptions {
  appId: string;
  botToken: string;
  guild: {
    id: string;
    name: string;
    /** The ops channel. */
    channelId: string;
    roles: { r4: string; r5: string };
  };
  /** Defaults to alice (R4), bob (R5), carol (R5), dave (no role). */
  users?: readonly SeedUser[];
  port?: number;
  log?: (line: string) => void;
}

/** Who a message notified: computed from its content and `allowed_mentions`, the way Discord decides. */
export interface PingRecord {
  users: string[];
  roles: string[];
  everyone: boolean;
}

export interface UploadedFile {
  filename: string;
  size: number;
  contentType: string;
  content: Buffer;
}

/** A message as the REST API returns it (Discord's message object). */
export interface LocalMessage {
  id: string;
  type: number;
  channel_id: string;
  guild_id?: string;
  author: APIUser;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: APIAttachment[];
  flags: number;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  pinned: boolean;
  mention_everyone: boolean;
  mentions: APIUser[];
  mention_roles: string[];
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: {
    id: string;
    type: number;
    user: APIUser;
    authorizing_integration_owners: Record<string, string>;
    original_response_message_id?: string;
    interacted_message_id?: string;
    name?: string;
    command_type?: number;
  };
  position?: number;
}

/** A stored message plus what only the local server knows about it. */
export interface ObservedMessage extends LocalMessage {
  /** For ephemeral messages (flag 64): the only user who can see it. */
  readonly visibleTo: string | null;
  /** Who was notified when the message was created (empty for edits and ephemeral messages). */
  readonly ping: PingRecord;
  readonly files: readonly UploadedFile[];
  /** The interaction this message answers, if any. */
  readonly interactionId: string | null;
}

export interface LocalUserInfo {
  name: string;
  id: string;
  roles: string[];
}

export type ApplicationCommand = APIApplicationCommand;
export type ModalData = APIModalInteractionResponseCallbackData;

export interface GatewayConnectionCounts {
  open: number;
  totalIdentified: number;
}

export type LocalDiscordEvents = {
  messageCreate: [ObservedMessage];
  messageUpdate: [ObservedMessage];
  interactionCreate: [{ id: string; type: number; userId: string }];
  request: [{ method: string; path: string; status: number }];
};

/** A message as the local server stores it. */
export interface MessageRecord {
  message: LocalMessage;
  visibleTo: string | null;
  ping: PingRecord;
  files: UploadedFile[];
  interactionId: string | null;
  /** Allowed mentions of the last write, kept so an edit without them behaves like Discord (re-parse). */
  allowedMentions: unknown;
}
