/**
 * CalVer versions (SPEC §6): `vYYYY.MM.DD` for the first prod release of a day in the bot's timezone,
 * then `vYYYY.MM.DD-patch1`, `-patch2`, …
 */

export interface Version {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 for the day's first release. */
  readonly patch: number;
}

export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const VERSION = /^v(\d{4})\.(\d{2})\.(\d{2})(?:-patch([1-9]\d{0,5}))?$/;

/** The calendar date `at` falls on in `timeZone` (an IANA name). */
export function localDate(at: Date, timeZone: string): CalendarDate {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return { year: part('year'), month: part('month'), day: part('day') };
}

/** Reads a tag like `v2026.03.28` or `v2026.03.28-patch2`; undefined for anything else (or a date that does not exist). */
export function parseVersion(tag: string): Version | undefined {
  const match = VERSION.exec(tag);
  if (!match) return undefined;
  const [, y, m, d, p] = match;
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return undefined;
  }
  return { year, month, day, patch: p === undefined ? 0 : Number(p) };
}

export function formatVersion(version: Version): string {
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const base = `v${pad(version.year, 4)}.${pad(version.month, 2)}.${pad(version.day, 2)}`;
  return version.patch === 0 ? base : `${base}-patch${version.patch}`;
}

/** Orders versions oldest first; malformed tags sort before every version (and among themselves by text). */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) {
    if (va) return 1;
    if (vb) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return va.year - vb.year || va.month - vb.month || va.day - vb.day || va.patch - vb.patch;
}

/**
 * The version for a prod release at `now`: today's date in `timeZone`, plus one more than the highest
 * patch already tagged today (the bare date counts as patch 0). Gaps are not filled: after `-patch3`
 * comes `-patch4` even if `-patch2` is missing. Malformed tags and other days' tags are ignored.
 */
export function nextVersion(existingTags: readonly string[], now: Date, timeZone: string): string {
  const today = localDate(now, timeZone);
  let highest = -1;
  for (const tag of existingTags) {
    const version = parseVersion(tag);
    if (!version) continue;
    if (version.year !== today.year || version.month !== today.month || version.day !== today.day) continue;
    highest = Math.max(highest, version.patch);
  }
  return formatVersion({ ...today, patch: highest + 1 });
}
