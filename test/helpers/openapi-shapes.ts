import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * GitHub's published OpenAPI document (@octokit/openapi) and a check of a value against one of its schemas:
 * every required property present, recursively ($ref, allOf, anyOf, oneOf resolved), JSON types matching.
 * The same rules as test/integration/local-github-openapi.test.ts, for suites that check other shapes.
 */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}
type Operation = {
  requestBody?: { content?: Record<string, { schema: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  'x-webhooks': Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const require = createRequire(import.meta.url);
const spec = JSON.parse(
  readFileSync(
    join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json'),
    'utf8',
  ),
) as Spec;

function resolve(schema: Schema): Schema {
  let current = schema;
  while (current.$ref) {
    const next = spec.components.schemas[current.$ref.replace('#/components/schemas/', '')];
    if (!next) throw new Error(`unresolvable ${current.$ref}`);
    current = next;
  }
  return current;
}

const typeOf = (value: unknown): string =>
  Array.isArray(value)
    ? 'array'
    : value === null
      ? 'null'
      : Number.isInteger(value)
        ? 'integer'
        : typeof value;

/** Problems with `value` against `schema`, each naming its path. */
export function problems(schemaIn: Schema, value: unknown, path = '$'): string[] {
  const schema = resolve(schemaIn);
  if (schema.allOf) return schema.allOf.flatMap((part) => problems(part, value, path));
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    if (value === null && schema.nullable) return [];
    const results = variants.map((variant) => problems(variant, value, path));
    return results.some((r) => r.length === 0) ? [] : (results[0] ?? []);
  }
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (value === null)
    return schema.nullable || types.length === 0 || types.includes('null')
      ? []
      : [`${path}: null but not nullable`];
  if (types.length > 0) {
    const actual = typeOf(value);
    const fits = types.includes(actual) || (types.includes('number') && actual === 'integer');
    if (!fits) return [`${path}: ${actual}, expected ${types.join('|')}`];
  }
  if (Array.isArray(value))
    return schema.items ? value.flatMap((item, i) => problems(schema.items!, item, `${path}[${i}]`)) : [];
  if (typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  const missing = (schema.required ?? [])
    .filter((key) => !(key in record))
    .map((key) => `${path}.${key}: missing`);
  const nested = Object.entries(schema.properties ?? {}).flatMap(([key, sub]) =>
    key in record ? problems(sub, record[key], `${path}.${key}`) : [],
  );
  return [...missing, ...nested];
}

/** The JSON body schema of webhook `name` (e.g. "deployment-protection-rule-requested"). */
export function webhookSchema(name: string): Schema {
  const schema = spec['x-webhooks'][name]?.post?.requestBody?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no webhook ${name}`);
  return schema;
}

/** The JSON request body schema of an operation. */
export function requestSchema(route: string, method: string): Schema {
  const schema =
    spec.paths[route]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no request schema for ${method} ${route}`);
  return schema;
}

/** Whether the operation answers `status` (e.g. 204 with no body). */
export function answersStatus(route: string, method: string, status: number): boolean {
  return String(status) in (spec.paths[route]?.[method.toLowerCase()]?.responses ?? {});
}
