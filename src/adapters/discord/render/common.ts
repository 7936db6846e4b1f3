import type { APIEmbed } from 'discord.js';
import type { MessageView } from '../command.js';

export const COLORS = {
  neutral: 0x5865f2,
  pending: 0xfee75c,
  success: 0x57f287,
  failure: 0xed4245,
  muted: 0x99aab5,
} as const;

const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  fields: 25,
};

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function clipEmbed(embed: APIEmbed): APIEmbed {
  const out: APIEmbed = { ...embed };
  if (out.title) out.title = clip(out.title, LIMITS.title);
  if (out.description) out.description = clip(out.description, LIMITS.description);
  if (out.footer) out.footer = { ...out.footer, text: clip(out.footer.text, LIMITS.footer) };
  if (out.fields) {
    out.fields = out.fields.slice(0, LIMITS.fields).map((field) => ({
      ...field,
      name: clip(field.name, LIMITS.fieldName),
      value: clip(field.value || '—', LIMITS.fieldValue),
    }));
  }
  return out;
}

/** Every message the bot sends goes through here: within Discord's limits, and it pings nobody. */
export function safeView(view: MessageView): MessageView & { allowedMentions: { parse: [] } } {
  const out: MessageView & { allowedMentions: { parse: [] } } = { ...view, allowedMentions: { parse: [] } };
  if (view.content !== undefined) out.content = clip(view.content, LIMITS.content);
  if (view.embeds) out.embeds = view.embeds.slice(0, 10).map(clipEmbed);
  if (view.components) out.components = view.components.slice(0, 5);
  return out;
}

export function errorView(message: string): MessageView {
  return { content: `❌ ${message}` };
}

/** Discord's timestamp markup: each reader sees it in their own time zone. */
export function discordTime(at: Date, style: 't' | 'T' | 'd' | 'D' | 'f' | 'F' | 'R' = 'f'): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:${style}>`;
}

/** The view as discord.js takes it for replies and edits: safe, with files as attachments. */
export function toPayload(view: MessageView): {
  content?: string;
  embeds?: APIEmbed[];
  components?: NonNullable<MessageView['components']>;
  files?: { attachment: Buffer; name: string; description?: string }[];
  allowedMentions: { parse: [] };
} {
  const { files, ...safe } = safeView(view);
  return {
    ...safe,
    ...(files
      ? {
          files: files.map((f) => ({
            attachment: Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data),
            name: f.name,
            ...(f.description ? { description: f.description } : {}),
          })),
        }
      : {}),
  };
}
