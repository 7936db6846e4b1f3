/** Collects Discord's nested "Invalid Form Body" errors: `{ embeds: { 0: { title: { _errors: [...] } } } }`. */
export class FormErrors {
  readonly #root: Record<string, unknown> = {};
  #count = 0;

  add(path: readonly (string | number)[], code: string, message: string): void {
    let node = this.#root;
    for (const key of path) {
      const k = String(key);
      const child = node[k];
      if (typeof child === 'object' && child !== null) node = child as Record<string, unknown>;
      else {
        const created: Record<string, unknown> = {};
        node[k] = created;
        node = created;
      }
    }
    const list = (node._errors ??= []) as { code: string; message: string }[];
    list.push({ code, message });
    this.#count += 1;
  }

  get empty(): boolean {
    return this.#count === 0;
  }

  toJSON(): Record<string, unknown> {
    return this.#root;
  }
}

export type Path = readonly (string | number)[];

export function checkString(
  errors: FormErrors,
  path: Path,
  value: unknown,
  limits: { min?: number; max: number; required?: boolean },
): value is string {
  if (value === undefined || value === null) {
    if (limits.required) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return false;
  }
  if (typeof value !== 'string') {
    errors.add(path, 'BASE_TYPE_STRING', `Could not interpret "${JSON.stringify(value)}" as string.`);
    return false;
  }
  const min = limits.min ?? 0;
  // Discord counts characters (code points), not UTF-16 units.
  const length = codePoints(value);
  if (min > 0 && (length < min || length > limits.max)) {
    errors.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${limits.max} in length.`);
    return false;
  }
  if (length > limits.max) {
    errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${limits.max} or fewer in length.`);
    return false;
  }
  return true;
}

export function checkArray(
  errors: FormErrors,
  path: Path,
  value: unknown,
  limits: { min?: number; max: number },
): value is unknown[] {
  if (value === undefined || value === null) return false;
  if (!Array.isArray(value)) {
    errors.add(path, 'BASE_TYPE_ARRAY', `Could not interpret "${JSON.stringify(value)}" as array.`);
    return false;
  }
  const min = limits.min ?? 0;
  if (value.length < min || value.length > limits.max) {
    errors.add(
      path,
      min > 0 ? 'BASE_TYPE_BAD_LENGTH' : 'BASE_TYPE_MAX_LENGTH',
      min > 0
        ? `Must be between ${min} and ${limits.max} in length.`
        : `Must be ${limits.max} or fewer in length.`,
    );
    return false;
  }
  return true;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length in Unicode code points, as Discord counts. */
export function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n += 1;
  return n;
}
