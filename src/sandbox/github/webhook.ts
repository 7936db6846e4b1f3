import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly event: string;
  readonly action: string;
  /** HTTP status of the receiver's answer, or the error when it could not be reached. */
  readonly status: number | string;
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Sends webhook deliveries one after another (so a receiver sees them in order), each bounded in time. */
export class WebhookSender {
  private chain: Promise<void> = Promise.resolve();
  readonly deliveries: WebhookDelivery[] = [];

  constructor(private readonly target: WebhookTarget) {}

  send(event: string, payload: { action: string } & Record<string, unknown>): void {
    const body = JSON.stringify(payload);
    const id = randomUUID();
    this.chain = this.chain.then(async () => {
      let status: number | string;
      try {
        const response = await fetch(this.target.url, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'GitHub-Hookshot/local',
            'x-github-event': event,
            'x-github-delivery': id,
            'x-hub-signature-256': signature(this.target.secret, body),
          },
          signal: AbortSignal.timeout(5000),
        });
        status = response.status;
        await response.body?.cancel();
      } catch (error) {
        status = error instanceof Error ? error.message : 'unreachable';
      }
      this.deliveries.push({ id, event, action: payload.action, status });
    });
  }

  /** Waits for deliveries already queued (each is bounded by its own timeout). */
  async drain(): Promise<void> {
    await this.chain;
  }
}
