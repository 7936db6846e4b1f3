import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './domain/duration.js';
import { DEFAULT_ANALYSIS_QUERIES } from './domain/analysis.js';
import { stepsProblem } from './domain/rollout.js';
import { validateCron } from './domain/freeze-windows.js';

/** A configuration problem: one line per problem, each naming its path. Never carries a secret's value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const snowflake = z.string().regex(/^\d{5,20}$/, 'must be a Discord id (digits)');
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration like "90s", "15m", "2h" or "1h30m"' });
    return z.NEVER;
  }
  return ms;
});
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as "Europe/London"');
// Five fields: minute hour day-of-month month day-of-week, checked by the same code that computes windows.
const cron = z.string().superRefine((text, ctx) => {
  const problem = validateCron(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** A checklist item longer than this is cut (a button row and an embed field must hold ten). */
export const CHECKLIST_ITEM_MAX = 120;
const envName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits or "-"');

// Progressive rollouts and metric analysis (§15, §8).
const analysisQuerySchema = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,60}$/, 'must be letters, digits, "_", "." or "-" (at most 60)'),
  /** PromQL; `$service` and `$env` are replaced by the deploy's. */
  query: z.string().min(1).max(2000),
  threshold: z.number(),
  /** The measurement fails when `value op threshold`. */
  op: z.enum(['>', '<']),
});
const analysisSchema = z
  .strictObject({
    queries: z
      .array(analysisQuerySchema)
      .min(1)
      .max(10)
      .default(() => DEFAULT_ANALYSIS_QUERIES.map((query) => ({ ...query }))),
    interval: duration.prefault('1m'),
    count: z.number().int().min(1).max(100).default(5),
    failureLimit: z.number().int().min(0).default(0),
    /** Readings in a row with no data (or a failed read) that one query may have before it fails (Argo: 4). */
    consecutiveErrorLimit: z.number().int().min(0).max(100).default(4),
  })
  .superRefine((analysis, ctx) => {
    if (analysis.failureLimit >= analysis.count) {
      ctx.addIssue({
        code: 'custom',
        path: ['failureLimit'],
        message: 'must be below count, or it never fails',
      });
    }
    const names = analysis.queries.map((q) => q.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) {
        ctx.addIssue({ code: 'custom', path: ['queries', index, 'name'], message: 'duplicate query name' });
      }
    });
  });
const rolloutSchema = z.strictObject({
  steps: z
    .array(z.number())
    .default([5, 25, 50, 100])
    .superRefine((steps, ctx) => {
      const problem = stepsProblem(steps);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  pause: duration.prefault('5m'),
  analysis: analysisSchema.prefault({}),
});
const envVerificationSchema = z.strictObject({
  /** The same metric checks during the verification window (§8). */
  analysis: analysisSchema.optional(),
  /** A breach rolls back at once (to the last verified version), beside locking the env as faulty. */
  autoRollback: z.boolean().default(false),
});

const environmentSchema = z.strictObject({
  name: envName,
  /** Opt-in progressive rollout (§15): one dispatch per step with input `traffic`. */
  rollout: rolloutSchema.optional(),
  /** Per-env verification extras (§8): metric analysis in the window. */
  verification: envVerificationSchema.optional(),
  healthUrl: z.url({ protocol: /^https?$/, error: 'Invalid URL' }).optional(),
  requiresApproval: z.boolean().optional(),
  /** The GitHub Deployment environment name; defaults to the env name. */
  githubEnvironment: z.string().min(1).optional(),
  // Approvals and policy (§16).
  /** How many distinct R5s (never the requester) must approve a deploy to this env. */
  approvals: z.int().min(1).max(5).default(1),
  /** Manual items the requester ticks on the card before it may be approved; each clamped for the card. */
  checklist: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .transform((item) =>
          item.length > CHECKLIST_ITEM_MAX ? `${item.slice(0, CHECKLIST_ITEM_MAX - 1)}…` : item,
        ),
    )
    .max(10, 'at most 10 checklist items')
    .default([]),
  /** Where a deploy may come from: branch or tag names, or globs such as "v*" (any ref when absent). */
  allowedRefs: z.array(z.string().min(1).max(100)).min(1).optional(),
  /** CI checks (names or globs) that must be reported and green; the others must not fail. */
  requiredChecks: z.array(z.string().min(1).max(100)).optional(),
  /** CI checks (names or globs) that never block a deploy to this env. */
  ignoredChecks: z.array(z.string().min(1).max(100)).optional(),
});

const serviceSchema = z
  .strictObject({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/name"'),
    workflow: z.string().min(1),
    defaultRef: z.string().min(1).default('main'),
    smokeWorkflow: z.string().min(1).optional(),
    environments: z.array(environmentSchema).min(1),
    /** the service's own Discord roles, beside (or with `replace`, instead of) the global R4/R5. */
    roles: z
      .strictObject({
        requesters: z.array(snowflake).default([]),
        approvers: z.array(snowflake).default([]),
        replace: z.boolean().default(false),
      })
      // Fail closed at start-up rather than leave a service nobody may approve or deploy.
      .refine((roles) => !roles.replace || roles.approvers.length > 0, {
        message: 'with replace: true, approvers must name at least one role (else nobody could approve)',
        path: ['approvers'],
      })
      .optional(),
    /** Comment on each pull request this service ships, naming every env it reached (§17). */
    prComments: z.boolean().default(false),
    // Continuous delivery (§15), opt-in: green commits of defaultRef go to this env (the staging env) by
    // themselves; `afterNightlySmoke` lets a green nightly smoke approve the promotion to prod.
    autoDeploy: envName.optional(),
    autoPromote: z.enum(['afterNightlySmoke']).optional(),
  })
  .superRefine((service, ctx) => {
    const seen = new Set<string>();
    service.environments.forEach((env, index) => {
      if (seen.has(env.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', index, 'name'],
          message: 'duplicate environment',
        });
      }
      seen.add(env.name);
    });
  });

const freezeWindowSchema = z.strictObject({
  name: z.string().min(1).max(100),
  cron,
  duration,
  bufferBefore: duration.prefault('2h'),
  timezone: timeZone.optional(),
  envs: z.array(envName).min(1).default(['prod']),
});

const fileSchema = z
  .strictObject({
    discord: z.strictObject({
      /** Guilds to register commands in, in order (staging guild before the prod guild). */
      guilds: z.array(z.strictObject({ id: snowflake, name: z.string().min(1).optional() })).min(1),
      opsChannelId: snowflake,
      roles: z.strictObject({ r4: snowflake, r5: snowflake }),
    }),
    timezone: timeZone.default('UTC'),
    prodEnvironment: envName.default('prod'),
    stagingEnvironment: envName.default('staging'),
    approval: z.strictObject({ expiry: duration.prefault('30m') }).prefault({}),
    tracking: z
      .strictObject({ pollInterval: duration.prefault('5s'), stuckAfter: duration.prefault('30m') })
      .prefault({}),
    verification: z
      .strictObject({
        window: duration.prefault('15m'),
        checkInterval: duration.prefault('30s'),
        /** Whether passing health (and smoke) checks alone verify a deploy when no R4 clicks "Verified". */
        autoVerify: z.boolean().default(false),
      })
      .prefault({}),
    /** The single gateway (§9): lease time, and how often the holder renews (whole seconds, 1–30). */
    gateway: z
      .strictObject({
        leaseTtl: duration.prefault('15s'),
        renewEvery: duration
          .refine(
            (ms) => ms % 1000 === 0 && ms >= 1000 && ms <= 30_000,
            'must be whole seconds from 1s to 30s',
          )
          .prefault('3s'),
      })
      .prefault({})
      .refine((g) => g.leaseTtl >= 2 * g.renewEvery, {
        message: 'leaseTtl must be at least twice renewEvery',
        path: ['leaseTtl'],
      }),
    nightlySmoke: z
      .strictObject({ cron: cron.default('0 2 * * *'), timezone: timeZone.default('UTC') })
      .prefault({}),
    services: z.record(
      z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'service names are lower-case'),
      serviceSchema,
    ),
    freezeWindows: z.array(freezeWindowSchema).default([]),
    /** how long the head of a queue holds its offer (Deploy now) before the next is offered. */
    queue: z.strictObject({ offerExpiry: duration.prefault('10m') }).prefault({}),
    /** Visibility (§17): GitHub Releases, pull-request comments and the pinned status board. */
    visibility: z
      .strictObject({
        /** A GitHub Release for every prod tag. */
        releases: z.boolean().default(true),
        /** At most this many pull requests get a comment per deploy (the rest are named in the log). */
        maxPullRequests: z.number().int().min(1).max(200).default(50),
        /**
         * The bot's GitHub login (a GitHub App: "<app-slug>[bot]"): only its comments are edited. Without
         * it, a comment carrying the bot's hidden marker is taken as the bot's.
         */
        githubLogin: z.string().min(1).max(100).optional(),
        /** The pinned board in the ops channel, and the least time between two edits of it. */
        statusBoard: z.boolean().default(true),
        boardDebounce: duration.prefault('5s'),
      })
      .prefault({}),
    // Visibility (§17): the read-only web status page on the HTTP server. The token is better set as
    // STATUS_PAGE_TOKEN in the environment, which wins over this one.
    web: z
      .strictObject({
        enabled: z.boolean().default(false),
        token: z.string().min(16, 'must be at least 16 characters').optional(),
      })
      .prefault({}),
    /**
     * GitHub login → Discord user id (§16): a deploy started on GitHub is requested by that person, who then
     * may not approve it. Without an entry any R5 may.
     */
    githubUsers: z
      .record(z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'must be a GitHub login'), snowflake)
      .optional(),
    /** Continuous delivery (§15): how often the default branches are polled when no webhook came. */
    continuousDelivery: z.strictObject({ pollInterval: duration.prefault('60s') }).prefault({}),
    /** Where rollout and verification analysis read metrics (a Prometheus HTTP API); PROMETHEUS_URL wins. */
    metrics: z
      .strictObject({ prometheusUrl: z.url({ protocol: /^https?$/, error: 'Invalid URL' }).optional() })
      .prefault({}),
  })
  .superRefine((file, ctx) => {
    if (Object.keys(file.services).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['services'], message: 'at least one service is required' });
    }
    // Continuous delivery goes to staging only; prod is reached by the promotion and its approval.
    for (const [name, service] of Object.entries(file.services)) {
      if (service.autoDeploy === undefined) continue;
      const staging = service.environments.some((e) => e.name === file.stagingEnvironment);
      if (service.autoDeploy !== file.stagingEnvironment || !staging) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'autoDeploy'],
          message: `must be the staging environment "${file.stagingEnvironment}" of the service`,
        });
      }
      if (service.autoPromote && !service.environments.some((e) => e.name === file.prodEnvironment)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'autoPromote'],
          message: `needs a "${file.prodEnvironment}" environment`,
        });
      }
    }
  });

/**
 * A GitHub App private key as GitHub hands it out (PEM, PKCS#1 or PKCS#8), as one line with "\n" escapes
 * (how many secret stores keep it), or base64 of the PEM. Normalised to PEM; the key itself is never echoed.
 */
const privateKey = z.string().transform((text, ctx) => {
  const trimmed = text.trim();
  const pem = trimmed.includes('-----BEGIN')
    ? trimmed.replace(/\\n/g, '\n')
    : Buffer.from(trimmed, 'base64').toString('utf8').trim();
  try {
    createPrivateKey(pem);
    return `${pem}\n`;
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be the GitHub App private key: the .pem file GitHub downloaded, or its base64',
    });
    return z.NEVER;
  }
});

const envSchema = z
  .object({
    DISCORD_TOKEN: z.string().min(1).optional(),
    DISCORD_APP_ID: snowflake.optional(),
    /** Where the Discord REST API lives (the local Discord server in the sandbox and in tests). */
    DISCORD_API_URL: z.url().optional(),
    GITHUB_TOKEN: z.string().min(1).optional(),
    GITHUB_APP_ID: z.string().regex(/^\d+$/, 'must be a number').optional(),
    GITHUB_APP_PRIVATE_KEY: privateKey.optional(),
    GITHUB_APP_INSTALLATION_ID: z.string().regex(/^\d+$/, 'must be a number').optional(),
    GITHUB_API_URL: z.url().optional(),
    GITHUB_WEBHOOK_SECRET: z.string().min(8, 'must be at least 8 characters').optional(),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CONFIG_FILE: z.string().min(1).default('config/example.yaml'),
    INSTANCE_ID: z.string().min(1).optional(),
    /** Bearer token of the web status page (§17); overrides `web.token`. */
    STATUS_PAGE_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** The Prometheus HTTP API for rollout analysis (the sandbox's own Prometheus); overrides the file. */
    PROMETHEUS_URL: z.url().optional(),
    /** HTTP interactions mode (SPEC §9): the application's public key, as the Developer Portal shows it. */
    DISCORD_PUBLIC_KEY: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hexadecimal characters of the public key')
      .optional(),
  })
  .superRefine((env, ctx) => {
    const app = [env.GITHUB_APP_ID, env.GITHUB_APP_PRIVATE_KEY, env.GITHUB_APP_INSTALLATION_ID];
    const some = app.some(Boolean);
    if (some && !app.every(Boolean)) {
      ctx.addIssue({
        code: 'custom',
        path: ['GITHUB_APP_ID'],
        message:
          'a GitHub App needs GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID together',
      });
    }
    if (env.DISCORD_TOKEN && !env.DISCORD_APP_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['DISCORD_APP_ID'],
        message: 'required when DISCORD_TOKEN is set',
      });
    }
  });

export type FileConfig = z.output<typeof fileSchema>;
export type EnvConfig = z.output<typeof envSchema>;
export type ServiceConfig = FileConfig['services'][string];
export type EnvironmentConfig = ServiceConfig['environments'][number];
export type FreezeWindowConfig = FileConfig['freezeWindows'][number];
export type RolloutConfig = NonNullable<EnvironmentConfig['rollout']>;
export type AnalysisConfig = RolloutConfig['analysis'];
export interface Config extends FileConfig {
  readonly env: EnvConfig;
  readonly configFile: string;
}

/** Formats a zod issue path the way a person reads it: services.api.environments[1].healthUrl */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function problemsOf(error: z.ZodError, prefix = ''): string[] {
  // Messages only, never `input`: a bad value may be a secret.
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    return `${prefix}${path || '(root)'}: ${issue.message}`;
  });
}

/** Parses the already-read file content (YAML or JSON) and the environment into one frozen Config. */
export function parseConfig(source: string, fileName: string, env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const envResult = envSchema.safeParse(env);
  if (!envResult.success) problems.push(...problemsOf(envResult.error, 'env.'));

  let raw: unknown;
  try {
    raw = extname(fileName) === '.json' ? JSON.parse(source) : parseYaml(source);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : 'unreadable';
    throw new ConfigError([
      ...problems,
      `${fileName}: not valid ${extname(fileName) === '.json' ? 'JSON' : 'YAML'}: ${message ?? ''}`,
    ]);
  }
  const fileResult = fileSchema.safeParse(raw ?? {});
  if (!fileResult.success) problems.push(...problemsOf(fileResult.error));
  if (problems.length > 0 || !envResult.success || !fileResult.success) throw new ConfigError(problems);

  return deepFreeze({ ...fileResult.data, env: envResult.data, configFile: fileName });
}

/** Reads CONFIG_FILE (default config/example.yaml) and the environment. Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fileName = env.CONFIG_FILE ?? 'config/example.yaml';
  let source: string;
  try {
    source = readFileSync(fileName, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([`CONFIG_FILE: cannot read ${fileName} (${code})`]);
  }
  return parseConfig(source, fileName, env);
}

/** How the bot authenticates to GitHub (§14): a GitHub App (recommended) or a token. */
export type GitHubCredentials =
  | {
      readonly kind: 'app';
      readonly appId: string;
      readonly privateKey: string;
      readonly installationId: string;
    }
  | { readonly kind: 'token'; readonly token: string };

/** The credentials the environment gives, the App first; undefined when it gives none. */
export function githubCredentialsOf(env: EnvConfig): GitHubCredentials | undefined {
  if (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY && env.GITHUB_APP_INSTALLATION_ID) {
    return {
      kind: 'app',
      appId: env.GITHUB_APP_ID,
      privateKey: env.GITHUB_APP_PRIVATE_KEY,
      installationId: env.GITHUB_APP_INSTALLATION_ID,
    };
  }
  return env.GITHUB_TOKEN ? { kind: 'token', token: env.GITHUB_TOKEN } : undefined;
}

/** The one line a person reads when the bot has no GitHub credentials: what to set. */
export const MISSING_GITHUB_CREDENTIALS =
  'env.GITHUB_TOKEN: no GitHub credentials: set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID (a GitHub App), or GITHUB_TOKEN';

/**
 * The configured service called `name`, by own key only: a name a person typed (`__proto__`, `constructor`,
 * `toString`) must never reach the object prototype.
 */
export function serviceOf(config: Config, name: string): ServiceConfig | undefined {
  return Object.hasOwn(config.services, name) ? config.services[name] : undefined;
}

export function environmentOf(config: Config, service: string, env: string): EnvironmentConfig | undefined {
  return serviceOf(config, service)?.environments.find((e) => e.name === env);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
