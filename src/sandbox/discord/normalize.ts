import { isObject } from './form-errors.js';

/** Embeds as Discord returns them: `type: 'rich'`, fields with `inline`. */
export function normalizeEmbeds(embeds: unknown[]): unknown[] {
  return embeds.map((embed) => {
    if (!isObject(embed)) return embed;
    const out: Record<string, unknown> = { type: 'rich', ...embed };
    if (Array.isArray(embed.fields))
      out.fields = (embed.fields as unknown[]).map((f) =>
        isObject(f) ? { ...f, inline: f.inline ?? false } : f,
      );
    return out;
  });
}

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

/**
 * Components as Discord returns them: every component gets a numeric `id` (numbered in tree order where
 * the bot gave none), select menus get their `min_values`/`max_values` defaults.
 */
export function normalizeComponents(components: unknown[]): unknown[] {
  const used = new Set<number>();
  collectIds(components, used);
  let next = 1;
  const nextId = (): number => {
    while (used.has(next)) next += 1;
    used.add(next);
    return next;
  };
  const visit = (node: unknown): unknown => {
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = { ...node };
    if (typeof out.id !== 'number') out.id = nextId();
    if (typeof out.type === 'number' && SELECT_TYPES.has(out.type)) {
      out.min_values ??= 1;
      out.max_values ??= 1;
    }
    if (Array.isArray(node.components)) out.components = node.components.map(visit);
    if (isObject(node.accessory)) out.accessory = visit(node.accessory);
    if (isObject(node.component)) out.component = visit(node.component);
    return out;
  };
  return components.map(visit);
}

function collectIds(nodes: unknown, used: Set<number>): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes) {
    if (!isObject(node)) continue;
    if (typeof node.id === 'number') used.add(node.id);
    collectIds(node.components, used);
    if (isObject(node.accessory)) collectIds([node.accessory], used);
    if (isObject(node.component)) collectIds([node.component], used);
  }
}
