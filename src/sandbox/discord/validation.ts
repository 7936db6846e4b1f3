import { checkArray, checkString, codePoints, FormErrors, isObject, type Path } from './form-errors.js';

const EMBED_TOTAL = 6000;
const FLAG_EPHEMERAL = 64;
const FLAG_COMPONENTS_V2 = 1 << 15;
/** Flags a bot may set on a message it sends: SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2. */
const SETTABLE_FLAGS = 4 | FLAG_EPHEMERAL | 4096 | FLAG_COMPONENTS_V2;
const PARSE_VALUES = new Set(['users', 'roles', 'everyone']);

export { FLAG_EPHEMERAL, FLAG_COMPONENTS_V2 };

/** Returns Discord's `errors` object for an invalid message body, or null when Discord would accept it. */
export function validateMessageBody(body: Record<string, unknown>): FormErrors | null {
  const errors = new FormErrors();
  checkString(errors, ['content'], body.content, { max: 2000 });
  validateEmbeds(errors, body.embeds);
  const flags = body.flags ?? 0;
  if (typeof flags !== 'number' || !Number.isInteger(flags)) {
    errors.add(['flags'], 'NUMBER_TYPE_COERCE', `Value "${JSON.stringify(flags)}" is not int.`);
  } else if ((flags & ~SETTABLE_FLAGS) !== 0) {
    errors.add(['flags'], 'MESSAGE_CANNOT_SET_FLAGS', 'Some flags cannot be set by the client.');
  }
  const v2 = typeof flags === 'number' && (flags & FLAG_COMPONENTS_V2) !== 0;
  validateComponents(errors, body.components, v2);
  validateAllowedMentions(errors, body.allowed_mentions);
  return errors.empty ? null : errors;
}

/** Discord's code 50006: nothing to show. */
export function isEmptyMessage(body: Record<string, unknown>, fileCount: number): boolean {
  const content = typeof body.content === 'string' && body.content.length > 0;
  const embeds = Array.isArray(body.embeds) && body.embeds.length > 0;
  const components = Array.isArray(body.components) && body.components.length > 0;
  const stickers = Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0;
  return !content && !embeds && !components && !stickers && fileCount === 0 && body.poll === undefined;
}

function validateEmbeds(errors: FormErrors, embeds: unknown): void {
  if (!checkArray(errors, ['embeds'], embeds, { max: 10 })) return;
  let total = 0;
  const measure = (value: unknown): void => {
    if (typeof value === 'string') total += codePoints(value);
  };
  embeds.forEach((embed, i) => {
    const at = (...rest: (string | number)[]): Path => ['embeds', i, ...rest];
    if (!isObject(embed)) {
      errors.add(at(), 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      return;
    }
    checkString(errors, at('title'), embed.title, { max: 256 });
    checkString(errors, at('description'), embed.description, { max: 4096 });
    checkString(errors, at('url'), embed.url, { max: 2048 });
    measure(embed.title);
    measure(embed.description);
    if (isObject(embed.footer)) {
      checkString(errors, at('footer', 'text'), embed.footer.text, { max: 2048, required: true });
      measure(embed.footer.text);
    }
    if (isObject(embed.author)) {
      checkString(errors, at('author', 'name'), embed.author.name, { max: 256, required: true });
      measure(embed.author.name);
    }
    if (embed.color !== undefined && embed.color !== null) {
      if (
        typeof embed.color !== 'number' ||
        !Number.isInteger(embed.color) ||
        embed.color < 0 ||
        embed.color > 0xffffff
      )
        errors.add(at('color'), 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
    }
    if (checkArray(errors, at('fields'), embed.fields, { max: 25 })) {
      embed.fields.forEach((field, j) => {
        if (!isObject(field)) {
          errors.add(at('fields', j), 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
          return;
        }
        checkString(errors, at('fields', j, 'name'), field.name, { min: 1, max: 256, required: true });
        checkString(errors, at('fields', j, 'value'), field.value, { min: 1, max: 1024, required: true });
        measure(field.name);
        measure(field.value);
      });
    }
  });
  if (total > EMBED_TOTAL)
    errors.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${EMBED_TOTAL}`);
}

function validateComponents(errors: FormErrors, components: unknown, v2: boolean): void {
  if (!checkArray(errors, ['components'], components, { max: v2 ? 40 : 5 })) return;
  const seen = new Set<string>();
  components.forEach((row, i) => {
    if (!isObject(row)) {
      errors.add(['components', i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      return;
    }
    if (v2) {
      walkCustomIds(errors, ['components', i], row, seen);
      return;
    }
    if (row.type !== 1) {
      errors.add(['components', i], 'UNION_TYPE_CHOICES', `Value of field "type" must be one of (1,).`);
      return;
    }
    validateActionRow(errors, ['components', i], row, seen);
  });
}

function validateActionRow(
  errors: FormErrors,
  path: Path,
  row: Record<string, unknown>,
  seen: Set<string>,
): void {
  const inner = row.components;
  if (!checkArray(errors, [...path, 'components'], inner, { min: 1, max: 5 })) {
    if (inner === undefined)
      errors.add([...path, 'components'], 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  const hasSelect = inner.some((c) => isObject(c) && c.type !== 2);
  if (hasSelect && inner.length > 1)
    errors.add(
      [...path, 'components'],
      'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
      'The specified component exceeds the maximum width',
    );
  inner.forEach((component, j) => {
    const at = [...path, 'components', j];
    if (!isObject(component)) {
      errors.add(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      return;
    }
    if (component.type === 2) validateButton(errors, at, component);
    else if ([3, 5, 6, 7, 8].includes(component.type as number)) validateSelect(errors, at, component);
    else
      errors.add(
        [...at, 'type'],
        'UNION_TYPE_CHOICES',
        'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).',
      );
    noteCustomId(errors, at, component, seen);
  });
}

function validateButton(errors: FormErrors, at: Path, button: Record<string, unknown>): void {
  const style = button.style;
  if (typeof style !== 'number' || style < 1 || style > 6) {
    errors.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
    return;
  }
  checkString(errors, [...at, 'label'], button.label, { max: 80 });
  if (style === 5) {
    checkString(errors, [...at, 'url'], button.url, { min: 1, max: 512, required: true });
    if (button.custom_id !== undefined)
      errors.add(
        [...at, 'custom_id'],
        'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
        'A custom id cannot be set on link buttons',
      );
  } else if (style !== 6) {
    checkString(errors, [...at, 'custom_id'], button.custom_id, { min: 1, max: 100, required: true });
  }
  if (button.label === undefined && button.emoji === undefined && style !== 6)
    errors.add([...at], 'BUTTON_COMPONENT_MISSING_LABEL_OR_EMOJI', 'A label or emoji is required');
}

function validateSelect(errors: FormErrors, at: Path, select: Record<string, unknown>): void {
  checkString(errors, [...at, 'custom_id'], select.custom_id, { min: 1, max: 100, required: true });
  checkString(errors, [...at, 'placeholder'], select.placeholder, { max: 150 });
  if (select.type === 3) {
    if (checkArray(errors, [...at, 'options'], select.options, { min: 1, max: 25 })) {
      select.options.forEach((option, k) => {
        if (!isObject(option)) return;
        checkString(errors, [...at, 'options', k, 'label'], option.label, {
          min: 1,
          max: 100,
          required: true,
        });
        checkString(errors, [...at, 'options', k, 'value'], option.value, {
          min: 1,
          max: 100,
          required: true,
        });
        checkString(errors, [...at, 'options', k, 'description'], option.description, { max: 100 });
      });
    } else if (select.options === undefined) {
      errors.add([...at, 'options'], 'BASE_TYPE_REQUIRED', 'This field is required');
    }
  }
}

function noteCustomId(
  errors: FormErrors,
  at: Path,
  component: Record<string, unknown>,
  seen: Set<string>,
): void {
  if (typeof component.custom_id !== 'string') return;
  if (seen.has(component.custom_id))
    errors.add(
      [...at, 'custom_id'],
      'COMPONENT_CUSTOM_ID_DUPLICATED',
      'Component custom id cannot be duplicated',
    );
  seen.add(component.custom_id);
}

function walkCustomIds(
  errors: FormErrors,
  path: Path,
  node: Record<string, unknown>,
  seen: Set<string>,
): void {
  if (node.custom_id !== undefined) {
    checkString(errors, [...path, 'custom_id'], node.custom_id, { min: 1, max: 100 });
    noteCustomId(errors, path, node, seen);
  }
  if (node.type === 2) checkString(errors, [...path, 'label'], node.label, { max: 80 });
  for (const key of ['components', 'accessory', 'component'] as const) {
    const child = node[key];
    if (Array.isArray(child))
      child.forEach((c, i) => {
        if (isObject(c)) walkCustomIds(errors, [...path, key, i], c, seen);
      });
    else if (isObject(child)) walkCustomIds(errors, [...path, key], child, seen);
  }
}

function validateAllowedMentions(errors: FormErrors, value: unknown): void {
  if (value === undefined || value === null) return;
  const path = ['allowed_mentions'];
  if (!isObject(value)) {
    errors.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return;
  }
  const parse = value.parse;
  if (parse !== undefined) {
    if (!Array.isArray(parse))
      errors.add([...path, 'parse'], 'BASE_TYPE_ARRAY', 'Could not interpret as array.');
    else
      parse.forEach((p, i) => {
        if (typeof p !== 'string' || !PARSE_VALUES.has(p))
          errors.add(
            [...path, 'parse', i],
            'BASE_TYPE_CHOICES',
            'Value must be one of {"everyone", "roles", "users"}.',
          );
      });
  }
  for (const kind of ['users', 'roles'] as const) {
    const list = value[kind];
    if (list === undefined) continue;
    if (!checkArray(errors, [...path, kind], list, { max: 100 })) continue;
    list.forEach((id, i) => {
      if (typeof id !== 'string' || !/^\d{1,20}$/.test(id))
        errors.add([...path, kind, i], 'NUMBER_TYPE_COERCE', `Value "${String(id)}" is not snowflake.`);
    });
    if (Array.isArray(parse) && parse.includes(kind) && list.length > 0)
      errors.add(
        path,
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        `parse:["${kind}"] and ${kind}: [ids] are mutually exclusive.`,
      );
  }
  if (value.replied_user !== undefined && typeof value.replied_user !== 'boolean')
    errors.add([...path, 'replied_user'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
}
