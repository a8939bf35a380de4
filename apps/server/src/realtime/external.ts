import { type NostrEvent, signEvent } from '@llamenos/crypto';
import { RELAY_AUTH_KIND } from '@llamenos/protocol';
import WebSocket from 'ws';
import type { Logger } from '../logging.js';

/** Events kept while the external relay is unreachable; older ones are dropped (they are live news). */
const MAX_PENDING = 1000;
/** How long to wait for an AUTH challenge before assuming the relay needs none. */
const AUTH_WAIT_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Publishes the server's events to an external relay (NOSTR_RELAY_URL, e.g. strfry). It
 * answers the relay's NIP-42 challenge with the server key, then sends events; while the relay
 * is unreachable it keeps a bounded queue and reconnects with backoff. Every process publishes
 * on its own connection, so no bridge is needed in this mode.
 */
export class ExternalPublisher {
  private ws: WebSocket | null = null;
  private ready = false;
  private pending: string[] = [];
  private backoff = 1000;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly secretKey: Uint8Array,
    private readonly log: Logger,
  ) {
    this.connect();
  }

  publish(event: NostrEvent): void {
    const frame = JSON.stringify(['EVENT', event]);
    if (this.ready && this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame);
    else {
      this.pending.push(frame);
      if (this.pending.length > MAX_PENDING) this.pending.shift();
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url, { perMessageDeflate: false });
    this.ws = ws;
    this.ready = false;
    let authId: string | null = null;
    ws.on('open', () => {
      this.backoff = 1000;
      this.timer = setTimeout(() => authId === null && this.flush(), AUTH_WAIT_MS);
    });
    ws.on('message', (data) => {
      let message: unknown[];
      try {
        message = JSON.parse(data.toString()) as unknown[];
      } catch {
        return;
      }
      if (message[0] === 'AUTH' && typeof message[1] === 'string') {
        const auth = signEvent(
          {
            kind: RELAY_AUTH_KIND,
            created_at: Math.floor(Date.now() / 1000),
            tags: [
              ['relay', this.url],
              ['challenge', message[1]],
            ],
            content: '',
          },
          this.secretKey,
        );
        authId = auth.id;
        ws.send(JSON.stringify(['AUTH', auth]));
      } else if (message[0] === 'OK' && message[1] === authId) {
        if (message[2] === true) this.flush();
        else this.log.error({ reason: message[3] }, 'external relay refused the server key');
      } else if (message[0] === 'OK' && message[2] === false) {
        this.log.warn({ reason: message[3] }, 'external relay refused an event');
      }
    });
    ws.on('error', (error) => this.log.warn({ err: error.message }, 'external relay connection error'));
    ws.on('close', () => {
      clearTimeout(this.timer);
      this.ready = false;
      if (this.stopped) return;
      setTimeout(() => this.connect(), this.backoff).unref();
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  private flush(): void {
    this.ready = true;
    const frames = this.pending;
    this.pending = [];
    for (const frame of frames) this.ws?.send(frame);
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close();
  }
}
