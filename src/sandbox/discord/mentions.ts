import { isObject } from './form-errors.js';
import type { PingRecord } from './types.js';

export const NO_PING: PingRecord = Object.freeze({ users: [], roles: [], everyone: false });

export interface MentionTargets {
  /** Mentioned ids found in the content (`<@id>`, `<@!id>`, `<@&id>`), and whether `@everyone`/`@here` appears. */
  users: string[];
  roles: string[];
  everyone: boolean;
}

export function parseMentions(content: string): MentionTargets {
  const users = new Set<string>();
  const roles = new Set<string>();
  for (const m of content.matchAll(/<@(!?|&)(\d{1,20})>/g)) {
    const id = m[2] ?? '';
    if (m[1] === '&') roles.add(id);
    else users.add(id);
  }
  return { users: [...users], roles: [...roles], everyone: /@(everyone|here)/.test(content) };
}

/**
 * Who would be notified, following Discord's rules: without `allowed_mentions` everything in the content
 * pings; with it, only what `parse` or the explicit `users`/`roles` lists allow. `knownUsers`/`knownRoles`
 * drop ids that do not exist; roles only ping when they are mentionable (the seed roles are).
 */
export function resolvePings(
  content: string,
  allowedMentions: unknown,
  known: { users: ReadonlySet<string>; mentionableRoles: ReadonlySet<string> },
): PingRecord {
  const found = parseMentions(content);
  let allowUser = (_id: string): boolean => true;
  let allowRole = (_id: string): boolean => true;
  let allowEveryone = true;
  if (isObject(allowedMentions)) {
    const parse = Array.isArray(allowedMentions.parse) ? (allowedMentions.parse as unknown[]) : [];
    const users = Array.isArray(allowedMentions.users) ? (allowedMentions.users as unknown[]) : [];
    const roles = Array.isArray(allowedMentions.roles) ? (allowedMentions.roles as unknown[]) : [];
    allowUser = (id) => parse.includes('users') || users.includes(id);
    allowRole = (id) => parse.includes('roles') || roles.includes(id);
    allowEveryone = parse.includes('everyone');
  }
  return {
    users: found.users.filter((id) => known.users.has(id) && allowUser(id)),
    roles: found.roles.filter((id) => known.mentionableRoles.has(id) && allowRole(id)),
    everyone: found.everyone && allowEveryone,
  };
}

export function pinged(record: PingRecord): boolean {
  return record.everyone || record.users.length > 0 || record.roles.length > 0;
}
