import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values never reach the log output, at the top level and one or two levels down. */
const SECRET_KEYS = [
  'token',
  'accessToken',
  'botToken',
  'password',
  'secret',
  'webhookSecret',
  'privateKey',
  'authorization',
  'Authorization',
  'cookie',
  'DISCORD_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'GITHUB_WEBHOOK_SECRET',
  'MONGODB_URI',
  // The web status page's bearer token (§17).
  'STATUS_PAGE_TOKEN',
];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).concat([
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.headers.authorization',
  '*.request.headers.authorization',
  'x-hub-signature-256',
  '*.headers["x-hub-signature-256"]',
]);

const URI_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]+):[^@/\s]+@/gi;
const BOT_TOKEN = /\b(Bot|Bearer|token)\s+[A-Za-z0-9._-]{16,}/g;
// GitHub tokens are recognisable by their prefix (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) wherever they
// appear, not only after "token ": an error message that quotes one must not carry it into the logs.
const GITHUB_TOKEN = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g;

/** Removes passwords from URIs and bearer/bot tokens from free text (error messages, URLs). */
export function scrubSecrets(text: string): string {
  return text
    .replace(URI_PASSWORD, '$1:***@')
    .replace(BOT_TOKEN, '$1 [Redacted]')
    .replace(GITHUB_TOKEN, '[Redacted]');
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubSecrets(value.message),
      stack: value.stack && scrubSecrets(value.stack),
    };
  }
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
  if (value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, depth + 1)]));
}

export function createLogger(
  options: { level?: LoggerOptions['level']; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'release-console',
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    formatters: { log: (object) => scrubDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: { err: (err: unknown) => scrubDeep(err) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(config, destination) : pino(config);
}
