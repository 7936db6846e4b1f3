const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+)(ms|s|m|h|d)/g;
const WHOLE = /^(\d+(ms|s|m|h|d))+$/;

/** Parses "90s", "15m", "2h30m", "1d" into milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const compact = text.trim().replace(/\s+/g, '');
  if (!WHOLE.test(compact)) return undefined;
  let total = 0;
  for (const match of compact.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return total;
}

/** Formats milliseconds as a short human duration: "2h 5m", "45s", "0s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return ms <= 0 ? '0s' : `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1_000);
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean);
  return parts.slice(0, 2).join(' ');
}
