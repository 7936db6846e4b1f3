/**
 * The role mentions of a ping, each written as Discord parses it. Only configured role ids (snowflakes,
 * checked by the config schema) come here, never user text; the message's allowed_mentions names the same
 * roles, so nothing else pings.
 */
export function mentions(roleIds: readonly string[]): string {
  return roleIds.map((id) => `<@&${id}>`).join(' ');
}
