import { isObject } from './form-errors.js';
import type { LocalMessage, ModalData } from './types.js';

interface FoundButton {
  custom_id: string;
  id?: number;
}

function walk(nodes: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes) {
    if (!isObject(node)) continue;
    visit(node);
    walk(node.components, visit);
    if (isObject(node.accessory)) visit(node.accessory);
    if (isObject(node.component)) visit(node.component);
  }
}

export function findButton(message: LocalMessage, labelOrCustomId: string): FoundButton {
  const buttons: Record<string, unknown>[] = [];
  walk(message.components, (n) => {
    if (n.type === 2) buttons.push(n);
  });
  const button =
    buttons.find((b) => b.custom_id === labelOrCustomId) ?? buttons.find((b) => b.label === labelOrCustomId);
  const names = buttons.map((b) => JSON.stringify(b.label ?? b.custom_id ?? '?')).join(', ');
  if (!button)
    throw new Error(
      `local Discord: message ${message.id} has no button "${labelOrCustomId}" (buttons: ${names || 'none'})`,
    );
  if (button.disabled === true)
    throw new Error(`local Discord: button "${labelOrCustomId}" on message ${message.id} is disabled`);
  if (typeof button.custom_id !== 'string')
    throw new Error(
      `local Discord: button "${labelOrCustomId}" is a link or premium button; it sends no interaction`,
    );
  return { custom_id: button.custom_id, ...(typeof button.id === 'number' ? { id: button.id } : {}) };
}

export function findSelect(
  message: LocalMessage,
  customId: string,
  values: readonly string[],
): { type: number } {
  let menu: Record<string, unknown> | undefined;
  walk(message.components, (n) => {
    if (n.custom_id === customId && typeof n.type === 'number' && [3, 5, 6, 7, 8].includes(n.type)) menu = n;
  });
  if (!menu) throw new Error(`local Discord: message ${message.id} has no select menu "${customId}"`);
  if (menu.disabled === true) throw new Error(`local Discord: select menu "${customId}" is disabled`);
  if (menu.type === 3) {
    const options = Array.isArray(menu.options) ? (menu.options as Record<string, unknown>[]) : [];
    const unknown = values.filter((v) => !options.some((o) => o.value === v));
    if (unknown.length > 0)
      throw new Error(`local Discord: select "${customId}" has no option(s) ${unknown.join(', ')}`);
  }
  const min = typeof menu.min_values === 'number' ? menu.min_values : 1;
  const max = typeof menu.max_values === 'number' ? menu.max_values : 1;
  if (values.length < min || values.length > max)
    throw new Error(`local Discord: select "${customId}" takes ${min}..${max} values, got ${values.length}`);
  return { type: menu.type as number };
}

/** The `data.components` of a MODAL_SUBMIT, mirroring the modal's layout (action rows or labels). */
export function modalSubmitComponents(modal: ModalData, fields: Readonly<Record<string, string>>): unknown[] {
  const inputs = new Map<string, Record<string, unknown>>();
  const out: unknown[] = [];
  for (const row of modal.components as unknown as Record<string, unknown>[]) {
    const field = (input: unknown): Record<string, unknown> | null => {
      if (!isObject(input) || input.type !== 4 || typeof input.custom_id !== 'string') return null;
      inputs.set(input.custom_id, input);
      return { type: 4, id: input.id, custom_id: input.custom_id, value: fields[input.custom_id] ?? '' };
    };
    if (row.type === 1 && Array.isArray(row.components)) {
      out.push({ type: 1, id: row.id, components: row.components.map(field).filter((c) => c !== null) });
    } else if (row.type === 18) {
      const inner = field(row.component);
      if (inner) out.push({ type: 18, id: row.id, component: inner });
    }
  }
  for (const key of Object.keys(fields))
    if (!inputs.has(key))
      throw new Error(
        `local Discord: modal "${modal.custom_id}" has no field "${key}" (fields: ${[...inputs.keys()].join(', ')})`,
      );
  for (const [id, input] of inputs) {
    const value = fields[id] ?? '';
    const label = typeof input.label === 'string' ? input.label : id;
    if (input.required !== false && value.length === 0)
      throw new Error(`local Discord: modal "${modal.custom_id}" field "${label}" is required`);
    if (typeof input.min_length === 'number' && value.length > 0 && value.length < input.min_length)
      throw new Error(`local Discord: modal field "${label}" needs at least ${input.min_length} characters`);
    if (typeof input.max_length === 'number' && value.length > input.max_length)
      throw new Error(`local Discord: modal field "${label}" takes at most ${input.max_length} characters`);
  }
  return out;
}
