import {
  HUB_EVENT_KIND,
  HUB_EVENT_TAG,
  type NostrEvent,
  signEvent,
  toHex,
  verifyEvent,
} from '@llamenos/crypto';
import { HUB_EVENT_MAX_SKEW_SECONDS, type HubEventPayload, RELAY_AUTH_KIND } from '@llamenos/protocol';
import { backoffDelay } from './backoff.js';
import type { EventKeyRing } from './hub-keys.js';
import { acceptedPayload, tooLongForMember } from './sender-policy.js';

/** A published event not answered (OK) within this means the connection is dead though not closed. */
const ANSWER_TIMEOUT_MS = 10_000;
/** Event ids remembered to drop duplicates. */
const RECENT_IDS = 1_000;

export type ConnectionStatus = 'closed' | 'connecting' | 'connected' | 'reconnecting';

export interface RelayClientOptions {
  relayUrl: string;
  serverPubkey: string;
  keys: EventKeyRing;
  /** The unlocked secret key, read at each use (never kept), or null once locked. */
  secretKey(): Uint8Array | null;
  onStatus(status: ConnectionStatus): void;
  /** Called after every successful (re)connection and subscription. */
  onConnected(): void;
  /** A verified, decrypted, valid event from an allowed sender. */
  onEvent(payload: HubEventPayload, from: string): void;
  createSocket?: (url: string) => WebSocket;
  random?: () => number;
}

const isGenericTagOnly = (tags: unknown): boolean =>
  Array.isArray(tags) &&
  tags.length === 1 &&
  Array.isArray(tags[0]) &&
  tags[0].length === 2 &&
  tags[0][0] === HUB_EVENT_TAG[0] &&
  tags[0][1] === HUB_EVENT_TAG[1];

function looksLikeHubEvent(value: unknown): value is NostrEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    e.kind === HUB_EVENT_KIND &&
    typeof e.id === 'string' &&
    typeof e.pubkey === 'string' &&
    typeof e.sig === 'string' &&
    typeof e.content === 'string' &&
    Number.isSafeInteger(e.created_at) &&
    isGenericTagOnly(e.tags)
  );
}

const CONNECTING = 0;
const OPEN = 1;

/**
 * Closes a socket without the browser logging an error: closing one still connecting is
 * reported as a failed connection, so such a socket is closed as soon as it opens instead.
 */
function closeQuietly(ws: WebSocket): void {
  if (ws.readyState === CONNECTING) {
    ws.onopen = () => ws.close(1000);
    ws.onerror = null;
  } else if (ws.readyState === OPEN) ws.close(1000);
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return toHex(bytes);
}

/**
 * A NIP-01/NIP-42 client for the hotline's relay, on the browser's WebSocket: it answers the
 * AUTH challenge with the member's key, subscribes to hub events, and accepts an event only if
 * its signature verifies, it decrypts under an event key of the hub, its payload is valid, and
 * it comes from the server, or from a member announcing their own presence (sender-policy.ts). It reconnects with
 * exponential backoff and jitter; every successful (re)connection calls onConnected, because
 * ephemeral events missed in between are gone.
 */
export class RelayClient {
  private ws: WebSocket | null = null;
  private status: ConnectionStatus = 'closed';
  private stopped = true;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private authId: string | null = null;
  private authenticated = false;
  private readonly subId = randomId();
  private readonly recent = new Set<string>();
  private readonly unanswered = new Map<string, ReturnType<typeof setTimeout>>();
  /** Events are handled one at a time, in order, although decryption may wait for a key. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: RelayClientOptions) {}

  get connectionStatus(): ConnectionStatus {
    return this.status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    void this.connect();
  }

  /** Reconnects at once if waiting to (the browser says it is back online). */
  retryNow(): void {
    if (this.stopped || this.ws || this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.attempt = 0;
    void this.connect();
  }

  /** Closes for good; `farewell` (an already signed event) is sent first if the connection is up. */
  stop(farewell?: NostrEvent | null): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const ws = this.ws;
    if (ws && farewell && this.authenticated) this.send(ws, ['EVENT', farewell]);
    this.detach();
    if (ws) closeQuietly(ws);
    this.recent.clear();
    this.setStatus('closed');
  }

  /** Signs a hub event with the member's key, its payload encrypted under the current event key. */
  sign(payload: HubEventPayload): NostrEvent | null {
    const secretKey = this.options.secretKey();
    const content = this.options.keys.encrypt(JSON.stringify(payload));
    if (!secretKey || content === null) return null;
    return signEvent(
      {
        kind: HUB_EVENT_KIND,
        created_at: Math.floor(Date.now() / 1000),
        tags: [[...HUB_EVENT_TAG]],
        content,
      },
      secretKey,
    );
  }

  /** Publishes a signed event; false if not connected. A missing answer counts as a dead connection. */
  publish(event: NostrEvent): boolean {
    const ws = this.ws;
    if (!ws || this.status !== 'connected') return false;
    this.send(ws, ['EVENT', event]);
    this.unanswered.set(
      event.id,
      setTimeout(() => {
        if (this.ws === ws) this.drop();
      }, ANSWER_TIMEOUT_MS),
    );
    return true;
  }

  /** Sends a signed event now, whatever happens next (the page is going away). */
  sendNow(event: NostrEvent): void {
    if (this.ws && this.authenticated) this.send(this.ws, ['EVENT', event]);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus(status);
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    this.setStatus(this.attempt === 0 && this.status !== 'reconnecting' ? 'connecting' : 'reconnecting');
    try {
      // Our own wrap of the current hub key first: a connection that cannot read is useless.
      await this.options.keys.refresh();
    } catch {
      if (!this.stopped) this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    let ws: WebSocket;
    try {
      ws = this.options.createSocket
        ? this.options.createSocket(this.options.relayUrl)
        : new WebSocket(this.options.relayUrl);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.authId = null;
    this.authenticated = false;
    ws.onmessage = (message) => {
      if (this.ws === ws && typeof message.data === 'string') this.onMessage(ws, message.data);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.drop();
    };
  }

  /** Forgets the current socket (closing it) and, unless stopped, schedules a reconnection. */
  private drop(): void {
    const ws = this.ws;
    this.detach();
    if (ws) closeQuietly(ws);
    if (!this.stopped) this.scheduleReconnect();
  }

  private detach(): void {
    if (this.ws) {
      this.ws.onmessage = null;
      this.ws.onclose = null;
    }
    this.ws = null;
    this.authenticated = false;
    for (const timer of this.unanswered.values()) clearTimeout(timer);
    this.unanswered.clear();
  }

  private scheduleReconnect(): void {
    this.setStatus('reconnecting');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), backoffDelay(this.attempt++, this.options.random));
  }

  private send(ws: WebSocket, message: unknown[]): void {
    if (ws.readyState === OPEN) ws.send(JSON.stringify(message));
  }

  private onMessage(ws: WebSocket, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(message)) return;
    switch (message[0]) {
      case 'AUTH':
        if (typeof message[1] === 'string') this.answerChallenge(ws, message[1]);
        return;
      case 'OK':
        this.onOk(ws, message[1], message[2] === true);
        return;
      case 'EVENT':
        if (message[1] === this.subId) {
          const event: unknown = message[2];
          this.chain = this.chain.then(() => this.handleEvent(event)).catch(() => undefined);
        }
        return;
      case 'CLOSED':
        // Our subscription was ended by the relay: start over.
        if (message[1] === this.subId) this.drop();
        return;
      default:
      // EOSE (nothing is stored) and NOTICE need no action.
    }
  }

  private answerChallenge(ws: WebSocket, challenge: string): void {
    const secretKey = this.options.secretKey();
    if (!secretKey || this.authId) return;
    const auth = signEvent(
      {
        kind: RELAY_AUTH_KIND,
        created_at: Math.floor(Date.now() / 1000),
        tags: [
          ['relay', this.options.relayUrl],
          ['challenge', challenge],
        ],
        content: '',
      },
      secretKey,
    );
    this.authId = auth.id;
    this.send(ws, ['AUTH', auth]);
  }

  private onOk(ws: WebSocket, id: unknown, accepted: boolean): void {
    if (typeof id !== 'string') return;
    if (id === this.authId && !this.authenticated) {
      if (!accepted) {
        // Not (or no longer) a member, or a clock far off: retry later, with backoff.
        this.drop();
        return;
      }
      this.authenticated = true;
      this.send(ws, [
        'REQ',
        this.subId,
        { kinds: [HUB_EVENT_KIND], [`#${HUB_EVENT_TAG[0]}`]: [HUB_EVENT_TAG[1]] },
      ]);
      this.attempt = 0;
      this.setStatus('connected');
      this.options.onConnected();
      return;
    }
    clearTimeout(this.unanswered.get(id));
    this.unanswered.delete(id);
  }

  private async handleEvent(value: unknown): Promise<void> {
    if (this.stopped || !looksLikeHubEvent(value)) return;
    const event = value;
    if (this.recent.has(event.id)) return;
    if (Math.abs(event.created_at - Date.now() / 1000) > HUB_EVENT_MAX_SKEW_SECONDS) return;
    if (!verifyEvent(event)) return;
    const fromServer = event.pubkey === this.options.serverPubkey;
    if (!fromServer && tooLongForMember(event.content)) return;
    const json = await this.options.keys.decrypt(event.content);
    if (json === null || this.stopped) return;
    // A member may speak only for themselves, and only about their presence (sender-policy.ts).
    const payload = acceptedPayload(json, event, fromServer);
    if (!payload) return;
    this.remember(event.id);
    this.options.onEvent(payload, event.pubkey);
  }

  private remember(id: string): void {
    this.recent.add(id);
    if (this.recent.size > RECENT_IDS) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}
