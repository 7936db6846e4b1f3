import type { RequestData, RouteLike } from '@discordjs/rest';
import { Client, Events, Routes, type Interaction } from 'discord.js';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../../logger.js';
import { handleSafely, type DiscordRestOptions } from '../discord/gateway.js';
import { createInFlight } from '../in-flight.js';

/** A signed request older (or newer) than this is refused: a captured request cannot be replayed later. */
export const SIGNATURE_MAX_AGE_S = 5 * 60;
/** Discord waits 3 s for the first answer; past this the handler answers "thinking…" itself. */
export const FIRST_ANSWER_WAIT_MS = 2_500;

// An Ed25519 public key as SPKI DER: this fixed header, then the 32 raw bytes Discord shows as hex.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const HEX_KEY = /^[0-9a-f]{64}$/i;
const HEX_SIGNATURE = /^[0-9a-f]{128}$/i;
const PING = 1;
const PONG = { type: 1 };
const AUTOCOMPLETE = 4;
const CALLBACK_PATH = /^\/interactions\/(\d{1,20})\/[^/]+\/callback$/;
const EPHEMERAL = 64;

export interface InteractionsAnswer {
  status: number;
  body: string;
}

export interface DiscordInteractionsEndpoint {
  /** A plain function (no `this`), so it can be handed to the HTTP server as is. */
  readonly handle: (headers: IncomingHttpHeaders, body: string) => Promise<InteractionsAnswer>;
  /** Answers 503 from now on, so the load balancer (or Discord's retry) takes the next instance. */
  stopAccepting(): void;
  /** Resolves once every handler started has finished, or the timeout passes. */
  drain(timeoutMs: number): Promise<void>;
}

/** The application's public key (64 hex characters, as the Developer Portal shows it) as a KeyObject. */
export function discordPublicKey(hex: string): KeyObject {
  if (!HEX_KEY.test(hex)) throw new Error('DISCORD_PUBLIC_KEY must be 64 hexadecimal characters');
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/**
 * Whether `body` was signed by Discord: Ed25519 over `X-Signature-Timestamp + body`, the timestamp within
 * SIGNATURE_MAX_AGE_S of now. Anything malformed is simply not signed.
 */
export function isSignedByDiscord(
  key: KeyObject,
  headers: IncomingHttpHeaders,
  body: string,
  nowMs: number,
): boolean {
  const signature = headers['x-signature-ed25519'];
  const timestamp = headers['x-signature-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  if (!HEX_SIGNATURE.test(signature) || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_MAX_AGE_S) return false;
  return verify(null, Buffer.from(timestamp + body, 'utf8'), key, Buffer.from(signature, 'hex'));
}

interface Waiting {
  resolve(answer: unknown): void;
  readonly appId: string;
  /** Set once the HTTP answer went out without the router's own first answer (it was too slow). */
  answeredForIt?: boolean;
}

/**
 * POST /discord/interactions (SPEC §9, HTTP interactions mode). Each interaction is built into the same
 * discord.js Interaction the gateway gives, and handed to the same router. The router's first answer
 * (reply, defer, modal, choices) becomes the HTTP response; everything after it (edits, follow-ups) goes
 * through REST as usual. A client that never logs in does the building, so no gateway session is needed.
 */
export function createDiscordInteractionsEndpoint(options: {
  publicKey: string;
  rest: DiscordRestOptions;
  onInteraction: (interaction: Interaction) => Promise<void>;
  log: Logger;
  now?: () => number;
  firstAnswerWaitMs?: number;
}): DiscordInteractionsEndpoint {
  const { log } = options;
  const key = discordPublicKey(options.publicKey);
  const now = options.now ?? Date.now;
  const waitMs = options.firstAnswerWaitMs ?? FIRST_ANSWER_WAIT_MS;
  const waiting = new Map<string, Waiting>();
  const inFlight = createInFlight();
  let accepting = true;

  const client = new Client({
    intents: [],
    ...(options.rest.api ? { rest: { api: options.rest.api } } : {}),
  });
  client.rest.setToken(options.rest.token);
  const post = client.rest.post.bind(client.rest);
  // The first answer to an interaction that came over HTTP is the HTTP response, not a callback request.
  client.rest.post = (route: RouteLike, request?: RequestData) => {
    const id = CALLBACK_PATH.exec(route)?.[1];
    const entry = id === undefined ? undefined : waiting.get(id);
    if (!entry || !id) return post(route, request);
    const body = request?.body as { type?: number; data?: Record<string, unknown> } | undefined;
    waiting.delete(id);
    if (!entry.answeredForIt && !request?.files?.length) {
      entry.resolve(body);
      return Promise.resolve(undefined);
    }
    return lateFirstAnswer(entry.appId, route, request, body);
  };

  /** The router answered after the "thinking…" went out: a defer is already done, a reply fills it in. */
  const lateFirstAnswer = async (
    appId: string,
    route: RouteLike,
    request: RequestData | undefined,
    body: { type?: number; data?: Record<string, unknown> } | undefined,
  ): Promise<unknown> => {
    if (body?.type === 5 || body?.type === 6) return undefined;
    if (body?.type === 4) {
      const token = route.split('/')[3] ?? '';
      return client.rest.patch(Routes.webhookMessage(appId, token), {
        body: body.data ?? {},
        auth: false,
        ...(request?.files ? { files: request.files } : {}),
      });
    }
    log.warn({ type: body?.type }, 'interaction answer came after the HTTP response and is lost');
    return undefined;
  };
  let current: Interaction | undefined;
  client.on(Events.InteractionCreate, (interaction) => {
    current = interaction;
  });
  const actions = (client as unknown as { actions: { InteractionCreate: { handle(data: unknown): void } } })
    .actions;

  return {
    handle: async (headers, raw) => {
      if (!isSignedByDiscord(key, headers, raw, now()))
        return { status: 401, body: 'invalid request signature' };
      let data: { id?: unknown; type?: unknown; application_id?: unknown };
      try {
        data = JSON.parse(raw) as typeof data;
      } catch {
        return { status: 400, body: 'not JSON' };
      }
      if (data.type === PING) return { status: 200, body: JSON.stringify(PONG) };
      if (!accepting) return { status: 503, body: 'shutting down' };
      if (typeof data.id !== 'string' || typeof data.type !== 'number')
        return { status: 400, body: 'not an interaction' };
      const id = data.id;
      const appId = typeof data.application_id === 'string' ? data.application_id : '';
      const answer = new Promise<unknown>((resolve) => waiting.set(id, { resolve, appId }));
      current = undefined;
      try {
        actions.InteractionCreate.handle(data);
      } catch (error) {
        waiting.delete(id);
        log.warn({ err: error, interactionId: id }, 'malformed interaction dropped');
        return { status: 400, body: 'malformed interaction' };
      }
      const interaction = current as Interaction | undefined;
      if (!interaction) {
        waiting.delete(id);
        return { status: 400, body: 'unsupported interaction' };
      }
      inFlight.track(
        handleSafely(() => options.onInteraction(interaction), log).finally(() => {
          waiting.delete(id);
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      // A router that finished without answering leaves only the timer to end the wait.
      const first = await Promise.race([
        answer,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs))),
      ]);
      clearTimeout(timer);
      if (first !== undefined) return { status: 200, body: JSON.stringify(first) };
      const entry = waiting.get(id);
      if (entry) entry.answeredForIt = true;
      log.warn({ interactionId: id }, 'no answer within the HTTP window; answered "thinking…"');
      const fallback =
        data.type === AUTOCOMPLETE
          ? { type: 8, data: { choices: [] } }
          : { type: 5, data: { flags: EPHEMERAL } };
      return { status: 200, body: JSON.stringify(fallback) };
    },
    stopAccepting() {
      accepting = false;
    },
    drain: (timeoutMs) => inFlight.drain(timeoutMs),
  };
}
