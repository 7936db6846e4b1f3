import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGitHub, type LocalGitHub } from '../../src/sandbox/github/index.js';

/**
 * Checks the local GitHub API's answers against GitHub's published OpenAPI document (@octokit/openapi): every
 * property the spec marks required for the operation's 2xx schema is present, recursively, with $ref, allOf,
 * anyOf and oneOf resolved, and the JSON type of each present property matches.
 */

interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}
interface Spec {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
}

const require = createRequire(import.meta.url);
const specFile = join(
  dirname(require.resolve('@octokit/openapi/package.json')),
  'generated',
  'api.github.com.json',
);
const spec = JSON.parse(readFileSync(specFile, 'utf8')) as Spec;

function resolve(schema: Schema): Schema {
  let current = schema;
  while (current.$ref) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const next = spec.components.schemas[name];
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
  if (value === null)
    return schema.nullable || schema.type === undefined ? [] : [`${path}: null but not nullable`];
  if (schema.type) {
    const actual = typeOf(value);
    const fits = actual === schema.type || (schema.type === 'number' && actual === 'integer');
    if (!fits) return [`${path}: ${actual}, expected ${schema.type}`];
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

function responseSchema(route: string, method: string, status: number): Schema {
  const operation = spec.paths[route]?.[method.toLowerCase()];
  const schema = operation?.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no ${status} schema for ${method} ${route}`);
  return schema;
}

const REPO = 'example-org/api';
let github: LocalGitHub;
let runId: number;
let deploymentId: number;

async function answer(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${github.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, json: await response.json() };
}

beforeAll(async () => {
  github = await startLocalGitHub({ timing: { queuedMs: 5, inProgressMs: 10 } });
  const dispatched = await answer('POST', `/repos/${REPO}/actions/workflows/deploy.yml/dispatches`, {
    ref: 'main',
    inputs: { environment: 'staging', sha: 'main', version: 'v2025.01.11', deploy_id: 'DSPEC001' },
    return_run_details: true,
  });
  runId = (dispatched.json as { workflow_run_id: number }).workflow_run_id;
  await new Promise<void>((resolve) => {
    github.once('runCompleted', () => {
      resolve();
    });
  });
  // The re-run's new attempt stays in progress, so the cancel that follows it has a run to cancel however
  // slowly the machine runs.
  github.holdRuns(true);
  const deployment = await answer('POST', `/repos/${REPO}/deployments`, {
    ref: 'main',
    environment: 'prod',
    required_contexts: [],
  });
  deploymentId = (deployment.json as { id: number }).id;
  await answer('POST', `/repos/${REPO}/deployments/${deploymentId}/statuses`, {
    state: 'success',
    log_url: 'https://x',
  });
  await answer('POST', `/repos/${REPO}/git/refs`, {
    ref: 'refs/tags/v2025.01.01',
    sha: github.history(REPO)[0],
  });
});
afterAll(async () => {
  await github.close();
});

describe('local GitHub API answers match GitHub OpenAPI required properties', () => {
  const head = () => github.history(REPO)[0]!;
  const cases: [string, string, () => string, (() => unknown) | undefined, number][] = [
    ['GET', '/repos/{owner}/{repo}/commits/{ref}', () => `/repos/${REPO}/commits/main`, undefined, 200],
    ['GET', '/repos/{owner}/{repo}/git/ref/{ref}', () => `/repos/${REPO}/git/ref/heads/main`, undefined, 200],
    [
      'GET',
      '/repos/{owner}/{repo}/git/matching-refs/{ref}',
      () => `/repos/${REPO}/git/matching-refs/tags/v`,
      undefined,
      200,
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/git/refs',
      () => `/repos/${REPO}/git/refs`,
      () => ({ ref: 'refs/tags/spec-check', sha: head() }),
      201,
    ],
    ['GET', '/repos/{owner}/{repo}/tags', () => `/repos/${REPO}/tags`, undefined, 200],
    [
      'GET',
      '/repos/{owner}/{repo}/compare/{basehead}',
      () => `/repos/${REPO}/compare/${github.history(REPO)[3]!}...main`,
      undefined,
      200,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/commits/{ref}/status',
      () => `/repos/${REPO}/commits/main/status`,
      undefined,
      200,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      () => `/repos/${REPO}/commits/main/check-runs`,
      undefined,
      200,
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
      () => `/repos/${REPO}/actions/workflows/smoke.yml/dispatches`,
      () => ({
        ref: 'main',
        inputs: { environment: 'staging', sha: 'main', deploy_id: 'DSPEC002' },
        return_run_details: true,
      }),
      200,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/actions/runs',
      () => `/repos/${REPO}/actions/runs?event=workflow_dispatch`,
      undefined,
      200,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
      () => `/repos/${REPO}/actions/workflows/deploy.yml/runs`,
      undefined,
      200,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/actions/runs/{run_id}',
      () => `/repos/${REPO}/actions/runs/${runId}`,
      undefined,
      200,
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun',
      () => `/repos/${REPO}/actions/runs/${runId}/rerun`,
      () => ({}),
      201,
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel',
      () => `/repos/${REPO}/actions/runs/${runId}/cancel`,
      () => ({}),
      202,
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/deployments',
      () => `/repos/${REPO}/deployments`,
      () => ({ ref: 'main', environment: 'staging', required_contexts: [] }),
      201,
    ],
    ['GET', '/repos/{owner}/{repo}/deployments', () => `/repos/${REPO}/deployments`, undefined, 200],
    [
      'POST',
      '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      () => `/repos/${REPO}/deployments/${deploymentId}/statuses`,
      () => ({ state: 'inactive' }),
      201,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      () => `/repos/${REPO}/deployments/${deploymentId}/statuses`,
      undefined,
      200,
    ],
    ['GET', '/rate_limit', () => '/rate_limit', undefined, 200],
    ['GET', '/repos/{owner}/{repo}', () => `/repos/${REPO}`, undefined, 200],
    [
      'GET',
      '/repos/{owner}/{repo}/contents/{path}',
      () => `/repos/${REPO}/contents/.github/workflows/deploy.yml?ref=main`,
      undefined,
      200,
    ],
  ];

  it.each(cases)('%s %s', async (method, route, path, body, status) => {
    const result = await answer(method, path(), body?.());
    expect(result.status).toBe(status);
    if (route.endsWith('/rerun') || route.endsWith('/cancel')) {
      // GitHub documents these answers as an empty object.
      expect(result.json).toEqual({});
      return;
    }
    expect(problems(responseSchema(route, method, status), result.json)).toEqual([]);
  });

  // Visibility (§17): Releases, the pull requests of a commit, issue comments.
  const pr = () => github.pullNumberOf(REPO, head())!;
  const visibilityCases: [string, string, () => string, (() => unknown) | undefined, number][] = [
    [
      'POST',
      '/repos/{owner}/{repo}/releases',
      () => `/repos/${REPO}/releases`,
      () => ({ tag_name: 'v2025.01.01', name: 'api v2025.01.01', body: '### Features' }),
      201,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/releases/tags/{tag}',
      () => `/repos/${REPO}/releases/tags/v2025.01.01`,
      undefined,
      200,
    ],
    ['GET', '/repos/{owner}/{repo}/releases', () => `/repos/${REPO}/releases`, undefined, 200],
    [
      'GET',
      '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
      () => `/repos/${REPO}/commits/${head()}/pulls`,
      undefined,
      200,
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      () => `/repos/${REPO}/issues/${pr()}/comments`,
      () => ({ body: 'deployed' }),
      201,
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      () => `/repos/${REPO}/issues/${pr()}/comments`,
      undefined,
      200,
    ],
  ];

  it.each(visibilityCases)('%s %s', async (method, route, path, body, status) => {
    const result = await answer(method, path(), body?.());
    expect(result.status).toBe(status);
    expect(problems(responseSchema(route, method, status), result.json)).toEqual([]);
  });

  it('PATCH an issue comment; a duplicate release tag is 422 already_exists', async () => {
    const created = await answer('POST', `/repos/${REPO}/issues/${pr()}/comments`, { body: 'one' });
    const id = (created.json as { id: number }).id;
    const edited = await answer('PATCH', `/repos/${REPO}/issues/comments/${id}`, { body: 'two' });
    expect(edited.status).toBe(200);
    expect(
      problems(
        responseSchema('/repos/{owner}/{repo}/issues/comments/{comment_id}', 'PATCH', 200),
        edited.json,
      ),
    ).toEqual([]);
    expect((edited.json as { body: string }).body).toBe('two');
    const again = await answer('POST', `/repos/${REPO}/releases`, { tag_name: 'v2025.01.01' });
    expect(again.status).toBe(422);
    expect(again.json).toMatchObject({ errors: [{ resource: 'Release', code: 'already_exists' }] });
    const missing = await answer('GET', `/repos/${REPO}/releases/tags/v1999.01.01`);
    expect(missing.status).toBe(404);
    const tooLong = await answer('POST', `/repos/${REPO}/issues/${pr()}/comments`, {
      body: 'x'.repeat(65_537),
    });
    expect(tooLong.status).toBe(422);
    const noIssue = await answer('GET', `/repos/${REPO}/issues/99999/comments`);
    expect(noIssue.status).toBe(404);
  });

  it('the GitHub App routes: installation and installation access token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = await startLocalGitHub({
      app: {
        appId: 4242,
        installationId: 77,
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    try {
      const auth = createAppAuth({
        appId: 4242,
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        request: request.defaults({ baseUrl: app.url }),
      });
      const { token: jwt } = await auth({ type: 'app' });
      const call = async (method: string, path: string) => {
        const response = await fetch(`${app.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${jwt}`, 'user-agent': 'spec-check' },
        });
        return { status: response.status, json: await response.json() };
      };
      const installation = await call('GET', '/app/installations/77');
      expect(installation.status).toBe(200);
      expect(
        problems(responseSchema('/app/installations/{installation_id}', 'GET', 200), installation.json),
      ).toEqual([]);
      const token = await call('POST', '/app/installations/77/access_tokens');
      expect(token.status).toBe(201);
      expect(
        problems(
          responseSchema('/app/installations/{installation_id}/access_tokens', 'POST', 201),
          token.json,
        ),
      ).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('the check catches a missing required property and a wrong type', async () => {
    const run = (await answer('GET', `/repos/${REPO}/actions/runs/${runId}`)).json as Record<string, unknown>;
    const { head_sha: _dropped, ...rest } = run;
    const broken = {
      ...rest,
      run_number: 'one',
      repository: { ...(run.repository as object), owner: { login: 'x' } },
    };
    const found = problems(responseSchema('/repos/{owner}/{repo}/actions/runs/{run_id}', 'GET', 200), broken);
    expect(found).toContain('$.head_sha: missing');
    expect(found).toContain('$.run_number: string, expected integer');
    expect(found).toContain('$.repository.owner.id: missing');
  });
});
