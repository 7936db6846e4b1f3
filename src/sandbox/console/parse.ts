import { parseServiceCommand, SERVICE_HELP, type ServiceCommand } from './service-command.js';

/** One console line, parsed. Values stay text: the local Discord server types them from the command's options. */
export type ConsoleCommand =
  | ServiceCommand
  | { readonly kind: 'empty' }
  | { readonly kind: 'help' }
  | { readonly kind: 'users' }
  | { readonly kind: 'history'; readonly limit: number }
  | { readonly kind: 'exit' }
  | { readonly kind: 'wait'; readonly seconds: number }
  | { readonly kind: 'github-fail-next'; readonly service: string }
  // A deploy started on GitHub's UI, not through the bot (§16).
  | { readonly kind: 'github-dispatch'; readonly service: string; readonly env: string }
  | { readonly kind: 'github-push'; readonly service: string; readonly message: string }
  | {
      readonly kind: 'command';
      readonly user: string;
      readonly command: string;
      /** "start", or "group sub" for a subcommand group. */
      readonly subcommand?: string;
      readonly options: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'click'; readonly user: string; readonly button: string; readonly messageId?: string }
  | { readonly kind: 'approve'; readonly user: string }
  | { readonly kind: 'modal'; readonly user: string; readonly fields: Readonly<Record<string, string>> };

export type ParseResult =
  { readonly ok: true; readonly command: ConsoleCommand } | { readonly ok: false; readonly error: string };

interface Token {
  readonly text: string;
  /** Index in `text` of the first colon typed outside quotes, or -1. */
  readonly colon: number;
}

const MAX_WAIT_SECONDS = 600;
const DEFAULT_HISTORY = 10;

export const HELP = `Commands:
  as <user> /<command> [sub] option:value option:"quoted value" …
      e.g. as alice /deploy service:api env:prod reason:"weekly release"
           as bob /freeze start duration:2h reason:"raid"
           as alice /lock service service:api env:prod reason:"db work" ttl:1h
           as bob /unlock service service:api env:prod      as dave /status
  as <user> click <button label or custom_id> [in <message id>]
      presses a button on the newest message in the ops channel that has it
      e.g. as alice click Tick 1  (the requester ticks checklist item 1 of a card)
  as <user> approve            clicks Approve on the newest card
  as <user> modal field:value …  submits the last form the bot opened for that user
  users                        who is who (names and roles)
  history [count]              the ops channel's recent messages
  github fail-next <service>   the next run of that service's repository fails
  github dispatch <service> <env>  someone starts the deploy workflow on GitHub's UI (a protected env asks the bot)
  github push <service> "msg"  a new commit on main; CI goes green after a few seconds (webhooks sent)
${SERVICE_HELP}
  wait <seconds>               lets runs finish (for scripts)
  help                         this text
  exit | quit                  stops the bot and the stand-ins`;

/** Splits a line into words; "double" or 'single' quotes keep spaces, and \\ escapes inside double quotes. */
export function tokenize(line: string): { ok: true; tokens: Token[] } | { ok: false; error: string } {
  const tokens: Token[] = [];
  let text = '';
  let colon = -1;
  let inToken = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) text += line.charAt(++i);
      else text += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inToken) tokens.push({ text, colon });
      text = '';
      colon = -1;
      inToken = false;
      continue;
    }
    inToken = true;
    if (ch === '"' || ch === "'") quote = ch;
    else {
      if (ch === ':' && colon < 0) colon = text.length;
      text += ch;
    }
  }
  if (quote) return { ok: false, error: `unclosed ${quote} quote` };
  if (inToken) tokens.push({ text, colon });
  return { ok: true, tokens };
}

const fail = (error: string): ParseResult => ({ ok: false, error });
const ok = (command: ConsoleCommand): ParseResult => ({ ok: true, command });

/** Parses one console line. `#` starts a comment line. Never throws. */
export function parseLine(line: string): ParseResult {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return ok({ kind: 'empty' });
  const tokenized = tokenize(trimmed);
  if (!tokenized.ok) return fail(tokenized.error);
  const [head, ...rest] = tokenized.tokens;
  const word = head?.text.toLowerCase() ?? '';
  switch (word) {
    case 'help':
    case '?':
      return ok({ kind: 'help' });
    case 'users':
      return rest.length === 0 ? ok({ kind: 'users' }) : fail('"users" takes no arguments');
    case 'exit':
    case 'quit':
      return ok({ kind: 'exit' });
    case 'history':
      return parseHistory(rest);
    case 'wait':
      return parseWait(rest);
    case 'github':
      return parseGitHub(rest);
    case 'service': {
      const parsed = parseServiceCommand(rest.map((t) => t.text));
      return typeof parsed === 'string' ? fail(parsed) : ok(parsed);
    }
    case 'as':
      return parseAs(rest);
    default:
      return fail(`unknown command "${head?.text ?? ''}" (type "help")`);
  }
}

function parseHistory(rest: Token[]): ParseResult {
  if (rest.length === 0) return ok({ kind: 'history', limit: DEFAULT_HISTORY });
  const count = Number(rest[0]?.text);
  if (rest.length > 1 || !Number.isInteger(count) || count < 1) return fail('usage: history [count]');
  return ok({ kind: 'history', limit: count });
}

function parseWait(rest: Token[]): ParseResult {
  const seconds = Number(rest[0]?.text);
  if (rest.length !== 1 || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_WAIT_SECONDS)
    return fail(`usage: wait <seconds> (0 to ${MAX_WAIT_SECONDS})`);
  return ok({ kind: 'wait', seconds });
}

function parseGitHub(rest: Token[]): ParseResult {
  if (rest[0]?.text === 'dispatch') {
    const [, service, env, ...more] = rest;
    if (!service || !env || more.length > 0) return fail('usage: github dispatch <service> <env>');
    return ok({ kind: 'github-dispatch', service: service.text, env: env.text });
  }
  // Continuous delivery (§15): a push to the default branch.
  if (rest[0]?.text === 'push') {
    const [, service, message, ...more] = rest;
    if (!service || !message?.text || more.length > 0) return fail('usage: github push <service> "message"');
    return ok({ kind: 'github-push', service: service.text, message: message.text });
  }
  const [action, service, ...extra] = rest;
  if (action?.text !== 'fail-next' || !service || extra.length > 0)
    return fail('usage: github fail-next <service>');
  return ok({ kind: 'github-fail-next', service: service.text });
}

function parseAs(rest: Token[]): ParseResult {
  const [userToken, action, ...args] = rest;
  if (!userToken || !action)
    return fail('usage: as <user> /<command> … | click <button> | approve | modal field:value …');
  const user = userToken.text;
  if (action.text.startsWith('/')) return parseSlash(user, action.text.slice(1), args);
  switch (action.text.toLowerCase()) {
    case 'approve':
      return args.length === 0 ? ok({ kind: 'approve', user }) : fail('usage: as <user> approve');
    case 'click':
      return parseClick(user, args);
    case 'modal': {
      const fields = pairs(args, 'modal');
      return typeof fields === 'string' ? fail(fields) : ok({ kind: 'modal', user, fields });
    }
    default:
      return fail(`after "as ${user}" comes /<command>, click, approve or modal (not "${action.text}")`);
  }
}

function parseSlash(user: string, command: string, args: Token[]): ParseResult {
  if (!/^[\w-]{1,32}$/.test(command)) return fail(`"/${command}" is not a command name`);
  const subs: string[] = [];
  let index = 0;
  for (; index < args.length; index++) {
    const token = args[index];
    if (!token || token.colon >= 0) break;
    subs.push(token.text);
  }
  if (subs.length > 2)
    return fail(`/${command}: too many words before the options ("${subs.join(' ')}"); write option:value`);
  const options = pairs(args.slice(index), `/${command}`);
  if (typeof options === 'string') return fail(options);
  return ok({
    kind: 'command',
    user,
    command,
    ...(subs.length > 0 ? { subcommand: subs.join(' ') } : {}),
    options,
  });
}

function parseClick(user: string, args: Token[]): ParseResult {
  const inAt = args.findIndex((t, i) => i > 0 && t.text === 'in');
  const labelTokens = inAt < 0 ? args : args.slice(0, inAt);
  const button = labelTokens.map((t) => t.text).join(' ');
  if (!button) return fail('usage: as <user> click <button label or custom_id> [in <message id>]');
  if (inAt < 0) return ok({ kind: 'click', user, button });
  const target = args.slice(inAt + 1);
  const messageId = target[0]?.text ?? '';
  if (target.length !== 1 || !/^\d{5,20}$/.test(messageId)) return fail('"in" takes a message id (digits)');
  return ok({ kind: 'click', user, button, messageId });
}

/** name:value words into a record; a string is an error message. */
function pairs(tokens: Token[], where: string): Record<string, string> | string {
  const out = new Map<string, string>();
  for (const token of tokens) {
    if (token.colon <= 0) return `${where}: expected name:value, got "${token.text}"`;
    const name = token.text.slice(0, token.colon);
    if (out.has(name)) return `${where}: "${name}" is given twice`;
    out.set(name, token.text.slice(token.colon + 1));
  }
  return Object.fromEntries(out);
}
