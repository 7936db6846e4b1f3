/**
 * Text that goes into every message. Anything a user typed passes through `userText` (or at least
 * `neutralizeMentions`), so it can neither ping anyone nor break the layout, even if a message were sent
 * with the wrong allowed_mentions.
 */

/** Discord's limits, in characters. */
export const DISCORD_LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooter: 2048,
  buttonLabel: 80,
  modalTextInput: 4000,
} as const;

export const REASON_MAX = 500;
const ZWSP = '\u200b';
const ELLIPSIS = '…';
// Control characters other than whitespace (tab, newlines), which clampReason turns into spaces.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/g;

const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const FORMAT = /\p{Cf}/gu;
const ZWJ = '\u200d';
const BLACK_FLAG = '\u{1f3f4}';
// Tag characters spell a subdivision flag after the black flag (🏴 + "gbeng" + cancel tag).
const TAG = /^[\u{e0020}-\u{e007f}]$/u;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Removes invisible format characters (Unicode category Cf: bidi overrides and isolates such as U+202E,
 * zero-width spaces and joiners, the BOM, soft hyphens), which could reorder or hide text in a public card.
 * Emoji keep what makes them one picture: a zero-width joiner between two pictographs (👨‍👩‍👧) and the tag
 * characters of a subdivision flag (🏴󠁧󠁢󠁥󠁮󠁧󠁿). Country flags are regional indicators, not format characters.
 */
export function stripFormatChars(text: string): string {
  if (!/\p{Cf}/u.test(text)) return text;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    if (!PICTOGRAPHIC.test(segment)) {
      out += segment.replace(FORMAT, '');
      continue;
    }
    const points = Array.from(segment);
    const isTagFlag = points[0] === BLACK_FLAG;
    points.forEach((point, i) => {
      if (point === ZWJ) {
        const before = points.slice(0, i).join('');
        const after = points.slice(i + 1).join('');
        if (PICTOGRAPHIC.test(before) && PICTOGRAPHIC.test(after)) out += point;
      } else if (isTagFlag && TAG.test(point)) {
        out += point;
      } else {
        out += point.replace(FORMAT, '');
      }
    });
  }
  return out;
}

/** How many characters a person sees: grapheme clusters, after invisible format characters are gone. */
export function visibleLength(text: string): number {
  let count = 0;
  for (const { segment } of graphemes.segment(stripFormatChars(text))) {
    if (/\S/u.test(segment)) count += 1;
  }
  return count;
}

/**
 * Makes `@everyone`, `@here`, `<@id>`, `<@!id>`, `<@&id>`, `<#id>` and `</cmd:id>` inert with a zero-width
 * space, after removing the format characters a user could have hidden in the text (`stripFormatChars`).
 */
export function neutralizeMentions(text: string): string {
  return stripFormatChars(text)
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(/<(@[!&]?|#|\/)/g, `<${ZWSP}$1`);
}

/**
 * Escapes Discord markdown so user text shows literally: emphasis, code, spoilers, masked links, and the
 * line-start forms (headings, quotes, lists, subtext).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\*_~`|[\]]/g, '\\$&')
    .replace(/^([ \t]*)(#{1,3}[ \t]|-#[ \t]|>|[-+][ \t])/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)\.([ \t])/gm, '$1\\.$2');
}

/**
 * Shortens `text` to at most `max` UTF-16 units, ending with "…" when it had to cut. Never splits a
 * surrogate pair (an emoji stays whole or goes).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = max - ELLIPSIS.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, Math.max(0, cut)) + ELLIPSIS;
}

/**
 * User text made safe for a message: control and format characters removed, mentions neutralized, markdown escaped, then cut to `max` without
 * leaving a dangling escape (the cut happens on the raw text, so "\" never ends up escaping the "…").
 */
export function userText(text: string, max: number): string {
  const safe = (raw: string): string => neutralizeMentions(escapeMarkdown(raw));
  // Control characters (a NUL, an escape) show as nothing or as boxes; they never belong in a message.
  text = stripFormatChars(text.replace(CONTROL, ''));
  const whole = safe(text);
  if (whole.length <= max) return whole;
  if (max <= 0) return '';
  const points = Array.from(text);
  // The escaped length only grows with the raw prefix, so search the longest prefix that fits.
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (safe(points.slice(0, mid).join('')).length + ELLIPSIS.length <= max) low = mid;
    else high = mid - 1;
  }
  return safe(points.slice(0, low).join('')) + ELLIPSIS;
}

/**
 * What a person typed, quoted back in an error reply: one line, escaped and clamped like any user text on a
 * card, so a masked link, an open code fence or a NUL byte is shown inert.
 */
export function echoInput(input: string, max = 40): string {
  return userText(oneLine(input), max);
}

/** The 7-character short form of a commit SHA, as GitHub shows it. */
export function shortSha(sha: string): string {
  return sha.trim().slice(0, 7).toLowerCase();
}

/**
 * A reason as stored and shown: one line (newlines and runs of whitespace become one space, control
 * characters go), trimmed, at most 500 characters.
 */
export function clampReason(text: string): string {
  return truncate(oneLine(text), REASON_MAX);
}

/** Text as one line: control and format characters go, runs of whitespace become one space, trimmed. */
export function oneLine(text: string): string {
  return stripFormatChars(text.replace(CONTROL, '')).replace(/\s+/g, ' ').trim();
}

/**
 * A moment as people in the configured timezone read it, e.g. "Sat 7 Mar 22:00 Europe/London"; for
 * plain-text places (logs, reasons). Messages may show a Discord timestamp beside it.
 */
export function formatLocalTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('day')} ${get('month')} ${get('hour')}:${get('minute')} ${timeZone}`;
}
