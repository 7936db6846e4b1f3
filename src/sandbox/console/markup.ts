/** What the renderer knows about the guild, to turn ids into names. */
export interface MarkupContext {
  /** user id → name */
  readonly users: ReadonlyMap<string, string>;
  /** role id → name (R4, R5) */
  readonly roles: ReadonlyMap<string, string>;
  readonly now: Date;
  /** IANA zone for absolute times (the bot's configured time zone). */
  readonly timeZone: string;
}

// Escaped markdown characters are parked on private-use code points so the bold/italic rules skip them.
const PARK_BASE = 0xe000;
const ESCAPABLE = '\\*_~`|>#-[]()<:';

/** Discord markup simplified for a terminal: timestamps and mentions become text, emphasis markers go. */
export function simplifyMarkup(text: string, ctx: MarkupContext): string {
  let out = text.replace(/\\([\\*_~`|>#\-[\]()<:])/g, (_m, ch: string) =>
    String.fromCharCode(PARK_BASE + ESCAPABLE.indexOf(ch)),
  );
  out = out
    .replace(/<t:(-?\d+)(?::([tTdDfFR]))?>/g, (_m, unix: string, style: string | undefined) =>
      formatTimestamp(Number(unix), style ?? 'f', ctx),
    )
    .replace(/<@!?(\d+)>/g, (_m, id: string) => `@${ctx.users.get(id) ?? id}`)
    .replace(/<@&(\d+)>/g, (_m, id: string) => `@${ctx.roles.get(id) ?? id}`)
    .replace(/<#(\d+)>/g, (_m, id: string) => `#${id}`)
    .replace(/<a?:(\w+):\d+>/g, (_m, name: string) => `:${name}:`)
    .replace(/\[([^\]\n]+)\]\(<?(https?:\/\/[^)\s>]+)>?\)/g, (_m, label: string, url: string) =>
      label === url ? url : `${label} (${url})`,
    )
    .replace(/\*\*(.+?)\*\*/gs, '$1')
    .replace(/__(.+?)__/gs, '$1')
    .replace(/~~(.+?)~~/gs, '$1')
    .replace(/\|\|(.+?)\|\|/gs, '$1')
    .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, '$1$2')
    .replace(/(^|\W)_(?!\s)([^_\n]+?)_(?!\w)/g, '$1$2')
    .replace(/^-# /gm, '')
    .replace(/^#{1,3} /gm, '');
  return out.replace(/[\ue000-\ue0ff]/g, (ch) => ESCAPABLE.charAt(ch.charCodeAt(0) - PARK_BASE));
}

/** `<t:UNIX:R>` → "in 5 min" / "3 min ago"; other styles → a local date and time in the bot's zone. */
export function formatTimestamp(unixSeconds: number, style: string, ctx: MarkupContext): string {
  const date = new Date(unixSeconds * 1000);
  if (style === 'R') return relative(date.getTime() - ctx.now.getTime());
  const parts = localParts(date, ctx.timeZone);
  switch (style) {
    case 't':
      return `${parts.hour}:${parts.minute}`;
    case 'T':
      return `${parts.hour}:${parts.minute}:${parts.second}`;
    case 'd':
    case 'D':
      return `${parts.year}-${parts.month}-${parts.day}`;
    default:
      return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  }
}

export function localParts(
  date: Date,
  timeZone: string,
): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const formatted = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string =>
    formatted.find((p) => p.type === type)?.value ?? '00';
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

function relative(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  const future = deltaMs > 0;
  if (abs < 45_000) return future ? 'in a few seconds' : 'just now';
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'h'],
    [60_000, 'min'],
  ];
  for (const [size, unit] of units) {
    if (abs >= size || unit === 'min') {
      const n = Math.round(abs / size);
      const text = unit === 'day' ? `${n} day${n === 1 ? '' : 's'}` : `${n} ${unit}`;
      return future ? `in ${text}` : `${text} ago`;
    }
  }
  return 'now';
}
