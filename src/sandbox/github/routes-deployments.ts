import { isReply, repoOf, type ApiContext } from './context.js';
import {
  errorReply,
  field,
  json,
  linkHeader,
  pageOf,
  stringField,
  type ApiReply,
  type Router,
} from './http.js';
import type { DeploymentRecord } from './model.js';
import { isoSeconds } from './runs.js';
import { resolveCommit } from './seed.js';
import { deploymentJson, deploymentStatusJson } from './shapes.js';

const STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

type FieldType = 'string' | 'boolean' | 'string[]' | 'object|string' | 'string|null';

/** The JSON types GitHub's schema gives each body field of the two POSTs. */
const DEPLOYMENT_FIELDS: Readonly<Record<string, FieldType>> = {
  ref: 'string',
  task: 'string',
  auto_merge: 'boolean',
  required_contexts: 'string[]',
  payload: 'object|string',
  environment: 'string',
  description: 'string|null',
  transient_environment: 'boolean',
  production_environment: 'boolean',
};
const STATUS_FIELDS: Readonly<Record<string, FieldType>> = {
  state: 'string',
  target_url: 'string',
  log_url: 'string',
  description: 'string',
  environment: 'string',
  environment_url: 'string',
  auto_inactive: 'boolean',
};

function fits(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object|string':
      return (
        typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value))
      );
    case 'string|null':
      return typeof value === 'string' || value === null;
  }
}

/** GitHub's 422 for a body field of the wrong JSON type: `For 'properties/x', 5 is not a string.` */
function typeProblem(body: unknown, fields: Readonly<Record<string, FieldType>>): ApiReply | undefined {
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return errorReply(422, `Invalid request.\n\n${JSON.stringify(body)} is not an object.`);
  }
  for (const [key, type] of Object.entries(fields)) {
    const value = (body as Record<string, unknown>)[key];
    if (value !== undefined && !fits(value, type)) {
      const wanted =
        type === 'string[]'
          ? 'an array'
          : type === 'boolean'
            ? 'a boolean'
            : type === 'object|string'
              ? 'an object'
              : 'a string';
      return errorReply(
        422,
        `Invalid request.\n\nFor 'properties/${key}', ${JSON.stringify(value)} is not ${wanted}.`,
      );
    }
  }
  return undefined;
}

/** GitHub Deployments and their statuses. */
export function deploymentRoutes(router: Router, ctx: ApiContext): void {
  const base = '/repos/{owner}/{repo}/deployments';

  router.add('POST', base, ({ params, body }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const mistyped = typeProblem(body, DEPLOYMENT_FIELDS);
    if (mistyped) return mistyped;
    const ref = stringField(body, 'ref');
    if (!ref) return errorReply(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    const commit = resolveCommit(repo, ref);
    if (!commit) return errorReply(422, `No ref found for: ${ref}`);
    const environment = stringField(body, 'environment') ?? 'production';
    const payload = field(body, 'payload');
    const now = isoSeconds(Date.now());
    const deployment: DeploymentRecord = {
      id: ctx.nextId(),
      sha: commit.sha,
      ref,
      task: stringField(body, 'task') ?? 'deploy',
      environment,
      originalEnvironment: environment,
      description: stringField(body, 'description') ?? null,
      payload:
        typeof payload === 'string' || (payload && typeof payload === 'object')
          ? (payload as Record<string, unknown>)
          : {},
      productionEnvironment: field(body, 'production_environment') === true || environment === 'production',
      transientEnvironment: field(body, 'transient_environment') === true,
      createdAt: now,
      updatedAt: now,
      statuses: [],
    };
    // required_contexts: [] skips GitHub's commit-status check; anything else needs green CI.
    const required = field(body, 'required_contexts');
    if (!(Array.isArray(required) && required.length === 0) && repo.ciStates.get(commit.sha) !== 'success') {
      return errorReply(409, 'Conflict: Commit status checks failed for ' + ref + '.');
    }
    repo.deployments.push(deployment);
    return json(deploymentJson(ctx.urls, repo, deployment), 201);
  });

  router.add('GET', base, ({ params, query, path }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const sha = query.get('sha');
    const ref = query.get('ref');
    const environment = query.get('environment');
    const matching = repo.deployments
      .filter(
        (d) =>
          (!sha || d.sha === sha) &&
          (!ref || d.ref === ref) &&
          (!environment || d.environment === environment),
      )
      .sort((a, b) => b.id - a.id);
    const link = linkHeader(ctx.urls.api, path, query, matching.length);
    return {
      status: 200,
      body: pageOf(matching, query).map((d) => deploymentJson(ctx.urls, repo, d)),
      ...(link ? { headers: { link } } : {}),
    };
  });

  router.add('GET', `${base}/{id}`, ({ params }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const deployment = repo.deployments.find((d) => String(d.id) === params.id);
    return deployment ? json(deploymentJson(ctx.urls, repo, deployment)) : errorReply(404, 'Not Found');
  });

  router.add('POST', `${base}/{id}/statuses`, ({ params, body }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const deployment = repo.deployments.find((d) => String(d.id) === params.id);
    if (!deployment) return errorReply(404, 'Not Found');
    const mistyped = typeProblem(body, STATUS_FIELDS);
    if (mistyped) return mistyped;
    const state = stringField(body, 'state');
    if (!state || !STATES.includes(state)) {
      return errorReply(
        422,
        `Invalid request.\n\nNo subschema in "anyOf" matched.\n"state" is not a permitted key.`,
      );
    }
    const description = stringField(body, 'description') ?? '';
    // GitHub counts characters (code points), not UTF-16 units.
    if (Array.from(description).length > 140) {
      return errorReply(422, 'Validation Failed', {
        errors: [
          {
            resource: 'DeploymentStatus',
            code: 'custom',
            field: 'description',
            message: 'description is too long (maximum is 140 characters)',
          },
        ],
      });
    }
    const now = isoSeconds(Date.now());
    const status = {
      id: ctx.nextId(),
      deploymentId: deployment.id,
      state,
      description,
      logUrl: stringField(body, 'log_url') ?? stringField(body, 'target_url') ?? '',
      environmentUrl: stringField(body, 'environment_url') ?? '',
      environment: stringField(body, 'environment') ?? deployment.environment,
      createdAt: now,
    };
    deployment.statuses.push(status);
    deployment.updatedAt = now;
    // auto_inactive (default true): a success makes earlier deployments of the environment inactive.
    if (state === 'success' && field(body, 'auto_inactive') !== false) {
      for (const other of repo.deployments) {
        const last = other.statuses.at(-1);
        if (
          other !== deployment &&
          other.environment === deployment.environment &&
          last?.state === 'success'
        ) {
          other.statuses.push({
            ...last,
            id: ctx.nextId(),
            state: 'inactive',
            description: '',
            createdAt: now,
          });
        }
      }
    }
    return json(deploymentStatusJson(ctx.urls, repo, status), 201);
  });

  router.add('GET', `${base}/{id}/statuses`, ({ params, query }) => {
    const repo = repoOf(ctx, params);
    if (isReply(repo)) return repo;
    const deployment = repo.deployments.find((d) => String(d.id) === params.id);
    if (!deployment) return errorReply(404, 'Not Found');
    const newestFirst = [...deployment.statuses].reverse();
    return json(pageOf(newestFirst, query).map((s) => deploymentStatusJson(ctx.urls, repo, s)));
  });
}
