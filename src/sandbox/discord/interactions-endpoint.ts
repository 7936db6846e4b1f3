import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** What the local Discord server did with interactions it sent to an Interactions Endpoint URL. */
export interface EndpointDeliveries {
  /** Interactions whose HTTP answer was applied as their first response. */
  answered: number;
  /** Tries answered 503 or refused at connect, then sent to the next URL (a load balancer's fail-over). */
  failedOver: number;
  /** Interactions no URL answered: Discord shows "This interaction failed". */
  lost: number;
}

const DELIVERY_TIMEOUT_MS = 3_000;

/**
 * Discord's "Interactions Endpoint URL": with one set, interactions are POSTed there, signed with the
 * application's Ed25519 key, instead of being sent over the gateway. Setting one is checked the way the
 * Developer Portal checks it (a signed PING must get a PONG, a forged one a 401), so a bot that does not
 * verify signatures cannot be configured. Several URLs stand for instances behind a load balancer.
 */
export class InteractionsEndpoint {
  readonly #privateKey: KeyObject;
  /** The public key as the Developer Portal shows it: 64 hex characters, the raw Ed25519 key. */
  readonly publicKey: string;
  #urls: string[] = [];
  readonly deliveries: EndpointDeliveries = { answered: 0, failedOver: 0, lost: 0 };

  constructor() {
    const pair = generateKeyPairSync('ed25519');
    this.#privateKey = pair.privateKey;
    const der = pair.publicKey.export({ format: 'der', type: 'spki' });
    this.publicKey = der.subarray(der.length - 32).toString('hex');
  }

  get active(): boolean {
    return this.#urls.length > 0;
  }

  /** The headers Discord sends with `body`: signature over timestamp + body. */
  signedHeaders(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const signature = sign(null, Buffer.from(`${timestamp}${body}`), this.#privateKey).toString('hex');
    return {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': String(timestamp),
    };
  }

  /** Sets the URL(s) after checking them as Discord does; no URLs go back to the gateway. */
  async set(urls: readonly string[]): Promise<void> {
    for (const url of urls) await this.#check(url);
    this.#urls = [...urls];
  }

  async #check(url: string): Promise<void> {
    const ping = JSON.stringify({ id: '1', application_id: '1', type: 1, token: 'ping', version: 1 });
    const pong = await post(url, ping, this.signedHeaders(ping));
    if (pong.status !== 200 || !/"type"\s*:\s*1\b/.test(pong.body))
      throw new Error(`interactions endpoint ${url} did not answer the PING with a PONG (${pong.status})`);
    const forged = this.signedHeaders(`${ping} `);
    const refused = await post(url, ping, forged);
    if (refused.status !== 401)
      throw new Error(`interactions endpoint ${url} accepted a forged signature (${refused.status})`);
  }

  /**
   * Sends one interaction to the first URL that takes it, and hands its answer to `respond` (the local
   * server's own callback route, so the answer is checked as a callback would be). Rotates the URL list
   * so instances share the load.
   */
  async deliver(payload: unknown, respond: (answer: string) => Promise<void>): Promise<void> {
    const body = JSON.stringify(payload);
    const urls = [...this.#urls];
    if (urls.length > 1) this.#urls.push(this.#urls.shift() ?? '');
    for (const url of urls) {
      const answer = await post(url, body, this.signedHeaders(body)).catch(() => undefined);
      if (!answer || answer.status === 503) {
        this.deliveries.failedOver += 1;
        continue;
      }
      if (answer.status === 200 && answer.body) {
        this.deliveries.answered += 1;
        const applied = await respond(answer.body).then(
          () => true,
          () => false,
        );
        if (applied) return;
        this.deliveries.answered -= 1;
      }
      break;
    }
    this.deliveries.lost += 1;
  }
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
  });
  return { status: response.status, body: await response.text() };
}
