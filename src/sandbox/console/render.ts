import type { APIEmbed } from 'discord.js';
import type { LocalUserInfo, ModalData, ObservedMessage } from '../discord/index.js';
import { localParts, simplifyMarkup, type MarkupContext } from './markup.js';

export interface RenderContext extends MarkupContext {
  /** The ops channel: messages elsewhere (threads) say where they are. */
  readonly opsChannelId: string;
}

const EPHEMERAL = 64;
const BUTTON = 2;
const LINK_STYLE = 5;

/**
 * A message as a readable block: a header (author, time, id, markers), the content, each embed as a box,
 * buttons as `[Approve] [Reject]`, attachments by name and size.
 */
export function renderMessage(
  message: ObservedMessage,
  ctx: RenderContext,
  options: { edited?: boolean } = {},
): string {
  const lines: string[] = [];
  const time = message.edited_timestamp ?? message.timestamp;
  const clock = localParts(new Date(time), ctx.timeZone);
  const markers: string[] = [];
  if ((message.flags & EPHEMERAL) !== 0) {
    const viewer = message.visibleTo ? (ctx.users.get(message.visibleTo) ?? message.visibleTo) : 'the user';
    markers.push(`(only you: ${viewer})`);
  }
  if (options.edited ?? message.edited_timestamp !== null) markers.push('(edited)');
  if (message.channel_id !== ctx.opsChannelId) markers.push(`(in thread ${message.channel_id})`);
  const author = message.author.global_name ?? message.author.username;
  lines.push(
    `── ${author} · ${clock.hour}:${clock.minute}:${clock.second} · #${message.id}${markers.length ? ` ${markers.join(' ')}` : ''}`,
  );
  if (message.content) lines.push(...indent(simplifyMarkup(message.content, ctx), '  '));
  for (const embed of message.embeds) lines.push(...renderEmbed(embed, ctx));
  const buttons = renderComponents(message.components);
  if (buttons) lines.push(`  ${buttons}`);
  for (const file of message.attachments) lines.push(`  📎 ${file.filename} (${formatSize(file.size)})`);
  return lines.join('\n');
}

export function renderEmbed(embed: APIEmbed, ctx: MarkupContext): string[] {
  const body: string[] = [];
  const text = (value: string): string => simplifyMarkup(value, ctx);
  if (embed.author?.name) body.push(text(embed.author.name));
  if (embed.title) body.push(embed.url ? `${text(embed.title)} (${embed.url})` : text(embed.title));
  if (embed.description) body.push(...text(embed.description).split('\n'));
  for (const field of embed.fields ?? []) {
    const [first = '', ...more] = text(field.value).split('\n');
    body.push(`${text(field.name)}: ${first}`, ...more.map((line) => `  ${line}`));
  }
  if (embed.footer?.text) body.push(text(embed.footer.text));
  if (embed.image?.url) body.push(`image: ${embed.image.url}`);
  return ['  ┌────', ...body.map((line) => `  │ ${line}`), '  └────'];
}

/** Buttons as `[Approve] [Reject]`; disabled ones `[Reject (disabled)]`; link buttons with their URL; menus. */
export function renderComponents(components: readonly unknown[]): string {
  const parts: string[] = [];
  walk(components, (node) => {
    if (node.type === BUTTON) {
      const label =
        typeof node.label === 'string' ? node.label : (emojiName(node.emoji) ?? textOf(node.custom_id, '?'));
      const disabled = node.disabled === true ? ' (disabled)' : '';
      const link = node.style === LINK_STYLE && typeof node.url === 'string' ? ` ↗ ${node.url}` : '';
      parts.push(`[${label}${disabled}${link}]`);
    } else if (typeof node.type === 'number' && [3, 5, 6, 7, 8].includes(node.type)) {
      const placeholder =
        typeof node.placeholder === 'string' ? node.placeholder : textOf(node.custom_id, 'menu');
      parts.push(`<${placeholder} ▾>`);
    }
  });
  return parts.join(' ');
}

/** The form the bot opened, with the field ids to use in `as <user> modal id:value`. */
export function renderModal(modal: ModalData, userName: string): string {
  const lines = [`── form for ${userName}: ${modal.title} (answer with: as ${userName} modal field:value …)`];
  walk(modal.components, (node) => {
    if (node.type !== 4 || typeof node.custom_id !== 'string') return;
    const label = typeof node.label === 'string' ? ` "${node.label}"` : '';
    const required = node.required === false ? ' (optional)' : '';
    lines.push(`  ${node.custom_id}${label}${required}`);
  });
  return lines.join('\n');
}

export function renderUsers(users: readonly LocalUserInfo[]): string {
  const width = Math.max(...users.map((u) => u.name.length), 4);
  return users
    .map((u) => `  ${u.name.padEnd(width)}  ${u.roles.length ? u.roles.join(', ') : '(no role)'}`)
    .join('\n');
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((line) => `${prefix}${line}`);
}

function textOf(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function emojiName(emoji: unknown): string | undefined {
  return emoji && typeof emoji === 'object' && 'name' in emoji && typeof emoji.name === 'string'
    ? emoji.name
    : undefined;
}

function walk(nodes: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes as unknown[]) {
    if (!node || typeof node !== 'object') continue;
    const record = node as Record<string, unknown>;
    visit(record);
    walk(record.components, visit);
    if (record.accessory) walk([record.accessory], visit);
    if (record.component) walk([record.component], visit);
  }
}
