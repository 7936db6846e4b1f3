import { parse as parseYaml } from 'yaml';

/**
 * A workflow file as GitHub reads it for `workflow_dispatch`: the declared inputs and the `run-name`. The
 * local GitHub API refuses a dispatch with it the way GitHub does; `npm run doctor` checks a service's
 * workflow against the contract with it.
 */

export type DispatchInputType = 'string' | 'boolean' | 'choice' | 'number' | 'environment';

export interface DispatchInput {
  readonly name: string;
  readonly required: boolean;
  readonly type: DispatchInputType;
  readonly default?: string;
  readonly options?: readonly string[];
}

export interface WorkflowFile {
  /** The file's `name:`, when it has one. */
  readonly name: string | undefined;
  readonly runName: string | undefined;
  /** The `workflow_dispatch` inputs, or undefined when the workflow has no workflow_dispatch trigger. */
  readonly dispatchInputs: readonly DispatchInput[] | undefined;
}

const INPUT_TYPES: readonly DispatchInputType[] = ['string', 'boolean', 'choice', 'number', 'environment'];

type YamlMap = Record<string, unknown>;
const isMap = (value: unknown): value is YamlMap =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Which triggers `on:` names: a string, a list, or a map (`workflow_dispatch:` may be null there). */
function triggers(on: unknown): Map<string, unknown> {
  if (typeof on === 'string') return new Map([[on, null]]);
  if (Array.isArray(on)) return new Map(on.filter((t) => typeof t === 'string').map((t) => [t, null]));
  if (isMap(on)) return new Map(Object.entries(on));
  return new Map();
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Parses a workflow file; throws an Error naming the problem when it is not a usable workflow. */
export function parseWorkflowFile(source: string): WorkflowFile {
  // YAML 1.1 would read the key `on` as `true`; GitHub reads it as the string "on", as YAML 1.2 does.
  const doc: unknown = parseYaml(source, { version: '1.2' });
  if (!isMap(doc)) throw new Error('a workflow file is a YAML mapping');
  const on = triggers(doc.on);
  let dispatchInputs: DispatchInput[] | undefined;
  if (on.has('workflow_dispatch')) {
    const dispatch = on.get('workflow_dispatch');
    const inputs = isMap(dispatch) && isMap(dispatch.inputs) ? dispatch.inputs : {};
    dispatchInputs = Object.entries(inputs).map(([name, raw]) => {
      const spec = isMap(raw) ? raw : {};
      const type = INPUT_TYPES.find((t) => t === spec.type) ?? 'string';
      const fallback = scalarText(spec.default);
      const options = Array.isArray(spec.options) ? spec.options.map((o) => String(o)) : undefined;
      return {
        name,
        required: spec.required === true,
        type,
        ...(fallback === undefined ? {} : { default: fallback }),
        ...(options ? { options } : {}),
      };
    });
  }
  return {
    name: typeof doc.name === 'string' ? doc.name : undefined,
    runName: typeof doc['run-name'] === 'string' ? doc['run-name'] : undefined,
    dispatchInputs,
  };
}

export type DispatchCheck =
  | { readonly ok: true; readonly inputs: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly message: string };

/**
 * GitHub's checks of a dispatch's inputs against the workflow file, with its messages: undeclared inputs,
 * missing required ones, values of the wrong type. Returns the inputs the run sees (defaults filled in).
 */
export function checkDispatchInputs(
  file: WorkflowFile,
  given: Readonly<Record<string, unknown>>,
): DispatchCheck {
  const declared = file.dispatchInputs;
  if (!declared) return { ok: false, message: "Workflow does not have 'workflow_dispatch' trigger" };
  const names = new Set(declared.map((d) => d.name));
  const unexpected = Object.keys(given).filter((key) => !names.has(key));
  if (unexpected.length > 0) {
    return {
      ok: false,
      message: `Unexpected inputs provided: [${unexpected.map((k) => JSON.stringify(k)).join(', ')}]`,
    };
  }
  const out: Record<string, string> = {};
  for (const input of declared) {
    const raw = given[input.name];
    if (raw !== undefined && scalarText(raw) === undefined) {
      return { ok: false, message: `Invalid request.\n\nFor 'properties/${input.name}', is not a string.` };
    }
    const value = raw === undefined ? input.default : scalarText(raw);
    if (value === undefined || (input.required && value === '')) {
      if (input.required) return { ok: false, message: `Required input '${input.name}' not provided` };
      continue;
    }
    if (input.type === 'boolean' && value !== 'true' && value !== 'false') {
      return { ok: false, message: `Provided value '${value}' for input '${input.name}' is not a boolean` };
    }
    if (input.type === 'number' && !Number.isFinite(Number(value))) {
      return { ok: false, message: `Provided value '${value}' for input '${input.name}' is not a number` };
    }
    if (input.type === 'choice' && !(input.options ?? []).includes(value)) {
      return {
        ok: false,
        message: `Provided value '${value}' for input '${input.name}' not in the list of allowed values`,
      };
    }
    out[input.name] = value;
  }
  return { ok: true, inputs: out };
}

/**
 * The run's name (display title): `run-name` with `${{ inputs.x }}` / `${{ github.event.inputs.x }}`
 * expanded; other expressions become empty, as an unset context value does. Without `run-name`, GitHub
 * names a workflow_dispatch run after the workflow.
 */
export function runNameOf(
  file: WorkflowFile,
  workflowName: string,
  inputs: Readonly<Record<string, string>>,
): string {
  if (file.runName === undefined) return workflowName;
  return file.runName
    .replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
      const input = /^(?:github\.event\.)?inputs\.([\w-]+)$/.exec(expression)?.[1];
      return input === undefined ? '' : (inputs[input] ?? '');
    })
    .trim();
}
