import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isObject } from './form-errors.js';
import type { DiscordState } from './state.js';
import type { GatewayConnectionCounts } from './types.js';

export const HEARTBEAT_INTERVAL_MS = 41_250;
const REPLAY_BUFFER = 500;
const SESSION_KEEP_MS = 5 * 60_000;
/** Close codes after which Discord keeps no session to resume: 4007 invalid seq, 4009 session timed out. */
const SESSION_ENDING_CLOSES = new Set([4007, 4009]);

export const Intents = { Guilds: 1 << 0, GuildMembers: 1 << 1, GuildMessages: 1 << 9 } as const;

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
};

interface Session {
  id: string;
  seq: number;
  intents: number;
  socket: WebSocket | null;
  buffer: { s: number; frame: string }[];
  closedAt: number | null;
}

/** The WebSocket gateway: handshake, heartbeats, sequence numbers, resume with replay, intent-filtered dispatch. */
export class Gateway {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096 * 1024 });
  readonly #sessions = new Map<string, Session>();
  readonly #sockets = new Set<WebSocket>();
  #totalIdentified = 0;
  #listeners = new Set<() => void>();

  constructor(
    private readonly state: DiscordState,
    private readonly url: () => string,
    private readonly log: (line: string) => void,
  ) {
    this.#wss.on('connection', (socket) => {
      this.#accept(socket);
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit('connection', ws, req));
  }

  counts(): GatewayConnectionCounts {
    const open = [...this.#sessions.values()].filter((s) => s.socket !== null).length;
    return { open, totalIdentified: this.#totalIdentified };
  }

  /** Called whenever a session becomes ready or goes away. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Sends an event to every ready session whose intents include `intent` (none needed when omitted). */
  dispatch(event: string, data: unknown, intent?: number): number {
    let delivered = 0;
    for (const session of this.#sessions.values()) {
      if (intent !== undefined && (session.intents & intent) === 0) continue;
      session.seq += 1;
      const frame = JSON.stringify({ op: Op.Dispatch, t: event, s: session.seq, d: data });
      session.buffer.push({ s: session.seq, frame });
      if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
      if (session.socket) {
        session.socket.send(frame);
        delivered += 1;
      }
    }
    return delivered;
  }

  /** Drops every connection as a network failure would (sessions stay resumable unless `code` says not). */
  disconnectAll(code = 4000): void {
    if (SESSION_ENDING_CLOSES.has(code)) this.#dropOpenSessions();
    for (const socket of this.#sockets) socket.close(code, 'local Discord: connection dropped');
  }

  /** INVALID_SESSION to every open session; not resumable: the sessions are gone, the client identifies. */
  invalidateAll(resumable: boolean): void {
    const open = [...this.#sessions.values()].flatMap((s) => (s.socket ? [s.socket] : []));
    if (!resumable) this.#dropOpenSessions();
    for (const socket of open) socket.send(JSON.stringify({ op: Op.InvalidSession, d: resumable }));
  }

  #dropOpenSessions(): void {
    for (const [id, session] of this.#sessions) if (session.socket) this.#sessions.delete(id);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    this.#sockets.clear();
    await new Promise<void>((resolve) => {
      this.#wss.close(() => {
        resolve();
      });
    });
  }

  #accept(socket: WebSocket): void {
    this.#sockets.add(socket);
    let session: Session | null = null;
    socket.send(
      JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS, _trace: ['local'] } }),
    );
    socket.on('message', (raw: RawData) => {
      let payload: unknown;
      try {
        payload = JSON.parse(rawToString(raw));
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      if (!isObject(payload) || typeof payload.op !== 'number') {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      const d = payload.d;
      switch (payload.op) {
        case Op.Heartbeat:
          socket.send(JSON.stringify({ op: Op.HeartbeatAck }));
          return;
        case Op.Identify:
          if (session) {
            socket.close(4005, 'Already authenticated.');
            return;
          }
          session = this.#identify(socket, d);
          return;
        case Op.Resume:
          if (session) {
            socket.close(4005, 'Already authenticated.');
            return;
          }
          session = this.#resume(socket, d);
          return;
        case 3: // presence update
        case 4: // voice state update
        case 8: // request guild members
          if (!session) socket.close(4003, 'Not authenticated.');
          return;
        default:
          socket.close(4001, 'Unknown opcode.');
      }
    });
    socket.on('close', () => {
      this.#sockets.delete(socket);
      if (session && session.socket === socket) {
        session.socket = null;
        session.closedAt = Date.now();
        this.log(`gateway: session ${session.id} disconnected`);
        this.#changed();
      }
      this.#prune();
    });
    socket.on('error', (error) => {
      this.log(`gateway: socket error ${error.message}`);
    });
  }

  #identify(socket: WebSocket, d: unknown): Session | null {
    if (!isObject(d) || !this.#tokenOk(d.token)) {
      socket.close(4004, 'Authentication failed.');
      return null;
    }
    if (typeof d.intents !== 'number' || !Number.isInteger(d.intents) || d.intents < 0) {
      socket.close(4013, 'Invalid intent(s).');
      return null;
    }
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      seq: 0,
      intents: d.intents,
      socket: null,
      buffer: [],
      closedAt: null,
    };
    this.#sessions.set(session.id, session);
    this.#totalIdentified += 1;
    this.log(`gateway: session ${session.id} identified (total ${this.#totalIdentified})`);
    const s = this.state;
    const ready = {
      v: 10,
      user: { ...s.botUser, verified: true, mfa_enabled: false, email: null },
      user_settings: {},
      guilds: [{ id: s.guildId, unavailable: true }],
      relationships: [],
      private_channels: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      session_type: 'normal',
      session_id: session.id,
      resume_gateway_url: this.url(),
      shard: [0, 1],
      application: { id: s.appId, flags: 0 },
      _trace: ['local'],
    };
    this.#sendTo(session, socket, 'READY', ready);
    session.socket = socket;
    // GUILD_CREATE follows READY promptly, as Discord sends lazily loaded guilds.
    setImmediate(() => {
      if (session.socket === socket)
        this.#sendTo(session, socket, 'GUILD_CREATE', s.guildCreatePayload(), Intents.Guilds);
      this.#changed();
    });
    return session;
  }

  #resume(socket: WebSocket, d: unknown): Session | null {
    if (!isObject(d) || !this.#tokenOk(d.token)) {
      socket.close(4004, 'Authentication failed.');
      return null;
    }
    const session = typeof d.session_id === 'string' ? this.#sessions.get(d.session_id) : undefined;
    const seq = typeof d.seq === 'number' ? d.seq : -1;
    const oldest = session?.buffer[0]?.s ?? (session ? session.seq + 1 : 0);
    if (!session || session.socket !== null || seq > session.seq || seq < oldest - 1) {
      socket.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
      return null;
    }
    session.socket = socket;
    session.closedAt = null;
    for (const entry of session.buffer) if (entry.s > seq) socket.send(entry.frame);
    this.#sendTo(session, socket, 'RESUMED', { _trace: ['local'] });
    this.log(`gateway: session ${session.id} resumed from seq ${seq}`);
    this.#changed();
    return session;
  }

  #sendTo(session: Session, socket: WebSocket, event: string, data: unknown, intent?: number): void {
    if (intent !== undefined && (session.intents & intent) === 0) return;
    session.seq += 1;
    const frame = JSON.stringify({ op: Op.Dispatch, t: event, s: session.seq, d: data });
    session.buffer.push({ s: session.seq, frame });
    socket.send(frame);
  }

  #tokenOk(token: unknown): boolean {
    return typeof token === 'string' && token.replace(/^Bot /, '') === this.state.botToken;
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, session] of this.#sessions)
      if (session.closedAt !== null && now - session.closedAt > SESSION_KEEP_MS) this.#sessions.delete(id);
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

function rawToString(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}
