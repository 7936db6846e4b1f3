import { checkArray, checkString, FormErrors, isObject, type Path } from './form-errors.js';

/** Validates the `data` of a MODAL callback (type 9) like Discord does. */
export function validateModal(data: unknown): FormErrors | null {
  const errors = new FormErrors();
  const root: Path = ['data'];
  if (!isObject(data)) {
    errors.add(root, 'BASE_TYPE_REQUIRED', 'This field is required');
    return errors;
  }
  checkString(errors, [...root, 'custom_id'], data.custom_id, { min: 1, max: 100, required: true });
  checkString(errors, [...root, 'title'], data.title, { min: 1, max: 45, required: true });
  if (!checkArray(errors, [...root, 'components'], data.components, { min: 1, max: 5 })) {
    if (data.components === undefined)
      errors.add([...root, 'components'], 'BASE_TYPE_REQUIRED', 'This field is required');
    return errors.empty ? null : errors;
  }
  data.components.forEach((row, i) => {
    const at: Path = [...root, 'components', i];
    if (!isObject(row)) return;
    if (row.type === 1) {
      if (checkArray(errors, [...at, 'components'], row.components, { min: 1, max: 1 }))
        row.components.forEach((input, j) => {
          validateModalField(errors, [...at, 'components', j], input, true);
        });
    } else if (row.type === 18) {
      checkString(errors, [...at, 'label'], row.label, { min: 1, max: 45, required: true });
      checkString(errors, [...at, 'description'], row.description, { max: 100 });
      validateModalField(errors, [...at, 'component'], row.component, false);
    } else if (row.type !== 10) {
      errors.add([...at, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1, 10, 18).');
    }
  });
  return errors.empty ? null : errors;
}

function validateModalField(errors: FormErrors, at: Path, input: unknown, needsLabel: boolean): void {
  if (!isObject(input)) {
    errors.add(at, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  checkString(errors, [...at, 'custom_id'], input.custom_id, { min: 1, max: 100, required: true });
  if (input.type !== 4) return;
  if (needsLabel) checkString(errors, [...at, 'label'], input.label, { min: 1, max: 45, required: true });
  else if (input.label !== undefined)
    errors.add(
      [...at, 'label'],
      'TEXT_INPUT_LABEL_NOT_ALLOWED',
      'Label is not allowed inside a label component',
    );
  if (input.style !== 1 && input.style !== 2)
    errors.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
  checkString(errors, [...at, 'placeholder'], input.placeholder, { max: 100 });
  checkString(errors, [...at, 'value'], input.value, { max: 4000 });
  for (const key of ['min_length', 'max_length'] as const) {
    const v = input[key];
    if (v === undefined) continue;
    const min = key === 'min_length' ? 0 : 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 4000)
      errors.add([...at, key], 'NUMBER_TYPE_MAX', `int value should be between ${min} and 4000.`);
  }
}

/** Validates the `data` of an APPLICATION_COMMAND_AUTOCOMPLETE_RESULT callback (type 8). */
export function validateAutocomplete(data: unknown): FormErrors | null {
  const errors = new FormErrors();
  if (!isObject(data) || !checkArray(errors, ['data', 'choices'], data.choices, { max: 25 })) {
    if (errors.empty) errors.add(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
    return errors;
  }
  data.choices.forEach((choice, i) => {
    const at: Path = ['data', 'choices', i];
    if (!isObject(choice)) return;
    checkString(errors, [...at, 'name'], choice.name, { min: 1, max: 100, required: true });
    if (typeof choice.value === 'string') checkString(errors, [...at, 'value'], choice.value, { max: 100 });
    else if (typeof choice.value !== 'number')
      errors.add([...at, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
  });
  return errors.empty ? null : errors;
}
