import { randomBytes } from 'node:crypto';
import { HUB_EVENT_KIND, HUB_EVENT_TAG, type NostrEvent } from '@llamenos/crypto';
import { HUB_EVENT_MAX_SKEW_SECONDS, MAX_MEMBER_EVENT_CONTENT } from '@llamenos/protocol';
import type WebSocket from 'ws';
import { checkAuthEvent } from './auth-event.js';
import { type Filter, parseFilter } from './filters.js';
import {
  AUTH_TIMEOUT_MS,
  MAX_FILTERS,
  MAX_FRAME_BYTES,
  MAX_QUEUED_MESSAGES,
  MAX_SUBSCRIPTION_ID,
  MAX_SUBSCRIPTIONS,
  MESSAGE_BURST,
  MESSAGES_PER_SECOND,
  REFUSALS_FORGIVEN_PER_SECOND,
  REFUSALS_TOLERATED,
  SLOW_CONSUMER_BYTES,
  SLOW_CONSUMER_GRACE_MS,
} from './limits.js';
import {
  authMessage,
  closedMessage,
  eoseMessage,
  noticeMessage,
  okMessage,
  type Reason,
} from './messages.js';
import { TokenBucket } from './token-bucket.js';
import { malformedReason, verifySignedEvent } from './verify.js';

export type Role = 'server' | 'member';

/** What a connection needs from its relay. */
export interface ConnectionHost {
  readonly relayUrl: string;
  /** 'server' for the server key, 'member' for an active user, null otherwise. */
  roleOf(pubkey: string): Promise<Role | null>;
  /** An accepted event: deliver it to every matching subscription. False if it was a duplicate. */
  accept(event: NostrEvent): boolean;
  nowSeconds(): number;
  closed(connection: Connection): void;
}

export interface Subscription {
  /** The id as JSON, ready to be spliced into EVENT messages. */
  idJson: string;
  filters: Filter[];
}

const isGenericTagOnly = (tags: string[][]): boolean =>
  tags.length === 1 &&
  tags[0]!.length === 2 &&
  tags[0]![0] === HUB_EVENT_TAG[0] &&
  tags[0]![1] === HUB_EVENT_TAG[1];

const frameSize = (data: WebSocket.RawData): number =>
  Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;

const frameText = (data: WebSocket.RawData): string =>
  Array.isArray(data) ? Buffer.concat(data).toString() : data.toString();

const isMessage = (value: unknown): value is [string, ...unknown[]] =>
  Array.isArray(value) && typeof value[0] === 'string';

/** The message in a frame within the size limit, or null: only to address a refusal to it. */
function parseSmallFrame(data: WebSocket.RawData): [string, ...unknown[]] | null {
  if (frameSize(data) > MAX_FRAME_BYTES) return null;
  try {
    const message: unknown = JSON.parse(frameText(data));
    return isMessage(message) ? message : null;
  } catch {
    return null;
  }
}

/**
 * One client WebSocket: NIP-42 authentication, its subscriptions, its rate limit and its
 * outgoing backlog. Messages are handled in order; the only asynchronous step (the membership
 * look-up of an AUTH) holds later messages in a short queue.
 */
export class Connection {
  readonly challenge = randomBytes(16).toString('hex');
  pubkey: string | null = null;
  role: Role | null = null;
  readonly subscriptions = new Map<string, Subscription>();
  alive = true;
  private closing = false;
  private queue: WebSocket.RawData[] | null = null;
  private readonly bucket = new TokenBucket(MESSAGES_PER_SECOND, MESSAGE_BURST);
  private readonly refusals = new TokenBucket(REFUSALS_FORGIVEN_PER_SECOND, REFUSALS_TOLERATED);
  private authTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly host: ConnectionHost,
  ) {
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('close', () => this.onClosed());
    ws.on('error', () => ws.terminate());
    ws.on('pong', () => {
      this.alive = true;
    });
    this.authTimer = setTimeout(() => {
      if (!this.pubkey) this.shutDown(1008, 'auth-required: authenticate within a minute');
    }, AUTH_TIMEOUT_MS);
    this.authTimer.unref();
    this.send(authMessage(this.challenge));
  }

  get isOpen(): boolean {
    return !this.closing;
  }

  /**
   * Sends a frame unless the client has stopped reading: past SLOW_CONSUMER_BYTES of backlog it
   * is cut off instead of buffered, so one stalled client cannot grow the server's memory.
   */
  send(frame: string | Buffer): void {
    if (this.closing) return;
    // Every relay message is JSON text: a Buffer must still go out as a text frame.
    this.ws.send(frame, { binary: false });
    if (this.ws.bufferedAmount > SLOW_CONSUMER_BYTES) this.cutOff();
  }

  private cutOff(): void {
    if (this.closing) return;
    this.ws.send(noticeMessage('error: slow consumer'));
    this.shutDown(1008, 'error: slow consumer');
    // A client that does not read will not complete the close handshake either.
    setTimeout(() => this.ws.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
  }

  /** Closes the connection with a reason (the close frame carries it, prefixed like NIP-01 reasons). */
  shutDown(code: number, reason: Reason): void {
    if (this.closing) return;
    this.closing = true;
    this.subscriptions.clear();
    this.ws.close(code, reason);
  }

  private onClosed(): void {
    this.closing = true;
    clearTimeout(this.authTimer);
    this.subscriptions.clear();
    this.queue = null;
    this.host.closed(this);
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closing) return;
    // Every frame costs work, so every frame spends a token on arrival, whether or not it parses.
    if (!this.bucket.take()) {
      this.refuseForRate(isBinary ? null : data);
      return;
    }
    if (this.queue) {
      if (this.queue.length < MAX_QUEUED_MESSAGES) this.queue.push(isBinary ? Buffer.alloc(0) : data);
      else if (this.tolerateRefusal())
        this.send(noticeMessage('rate-limited: wait for the answer to your AUTH'));
      return;
    }
    if (isBinary) {
      this.send(noticeMessage('invalid: binary frames are not supported'));
      return;
    }
    const pending = this.handle(data);
    if (pending) {
      this.queue = [];
      void pending.finally(() => this.drain());
    }
  }

  private drain(): void {
    const queued = this.queue ?? [];
    this.queue = null;
    for (let i = 0; i < queued.length; i++) {
      if (this.closing) return;
      const pending = this.handle(queued[i]!);
      if (pending) {
        this.queue = queued.slice(i + 1);
        void pending.finally(() => this.drain());
        return;
      }
    }
  }

  /** Handles one text frame; returns a promise only for work that must finish before the next frame. */
  private handle(data: WebSocket.RawData): Promise<void> | undefined {
    if (frameSize(data) > MAX_FRAME_BYTES) {
      this.send(noticeMessage(`invalid: message larger than ${MAX_FRAME_BYTES} bytes`));
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(frameText(data));
    } catch {
      this.send(noticeMessage('invalid: message is not JSON'));
      return;
    }
    if (!isMessage(message)) {
      this.send(noticeMessage('invalid: a message is a JSON array starting with its type'));
      return;
    }
    switch (message[0]) {
      case 'EVENT':
        this.onEvent(message[1]);
        return;
      case 'REQ':
        return this.onReq(message);
      case 'CLOSE':
        if (typeof message[1] === 'string') this.subscriptions.delete(message[1]);
        else this.send(noticeMessage('invalid: CLOSE needs a subscription id'));
        return;
      case 'AUTH':
        return this.onAuth(message[1]);
      default:
        this.send(noticeMessage(`invalid: unknown message type "${message[0].slice(0, 16)}"`));
    }
  }

  /**
   * Counts one refusal against the connection's tolerance; past it, says why and closes.
   * False once the connection is closing, so the caller sends nothing more.
   */
  private tolerateRefusal(): boolean {
    if (this.refusals.take()) return true;
    this.send(noticeMessage('rate-limited: too many messages over the limit; closing'));
    this.shutDown(1008, 'rate-limited: too many messages');
    return false;
  }

  /** Answers a frame refused for rate the way its sender waits for (OK for an EVENT, CLOSED for a REQ). */
  private refuseForRate(data: WebSocket.RawData | null): void {
    if (!this.tolerateRefusal()) return;
    const reason: Reason = `rate-limited: at most ${MESSAGES_PER_SECOND} messages per second`;
    const message = data === null ? null : parseSmallFrame(data);
    const event = message?.[1] as { id?: unknown } | undefined;
    if (message?.[0] === 'EVENT' && typeof event?.id === 'string')
      this.send(okMessage(event.id.slice(0, 64), false, reason));
    else if (message?.[0] === 'REQ' && typeof message[1] === 'string')
      this.send(closedMessage(message[1].slice(0, MAX_SUBSCRIPTION_ID), reason));
    else this.send(noticeMessage(reason));
  }

  private onAuth(value: unknown): Promise<void> | undefined {
    const id = typeof (value as { id?: unknown })?.id === 'string' ? (value as { id: string }).id : '';
    if (this.pubkey) {
      this.send(okMessage(id, false, 'restricted: this connection is already authenticated'));
      return;
    }
    const refused = checkAuthEvent(value, this.challenge, this.host.relayUrl, this.host.nowSeconds());
    if (refused) {
      this.send(okMessage(id, false, refused));
      return;
    }
    const pubkey = (value as NostrEvent).pubkey;
    return this.host.roleOf(pubkey).then(
      (role) => {
        if (!role)
          return this.send(okMessage(id, false, 'restricted: this key is not a member of the hotline'));
        this.pubkey = pubkey;
        this.role = role;
        clearTimeout(this.authTimer);
        this.send(okMessage(id, true));
      },
      () => this.send(okMessage(id, false, 'error: could not check membership; try again')),
    );
  }

  private onEvent(value: unknown): void {
    const rawId = (value as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' ? rawId.slice(0, 64) : null;
    const refused = this.judgeEvent(value);
    if (refused) {
      this.send(id === null ? noticeMessage(refused) : okMessage(id, false, refused));
      return;
    }
    const event = value as NostrEvent;
    const fresh = this.host.accept(event);
    this.send(okMessage(event.id, true, fresh ? '' : 'duplicate: already have this event'));
  }

  /** Why an EVENT is refused, or null to accept it. */
  private judgeEvent(value: unknown): Reason | null {
    if (!this.pubkey) return 'auth-required: authenticate (NIP-42) before publishing';
    const malformed = malformedReason(value);
    if (malformed) return `invalid: ${malformed}`;
    const event = value as NostrEvent;
    if (Math.abs(event.created_at - this.host.nowSeconds()) > HUB_EVENT_MAX_SKEW_SECONDS)
      return 'invalid: created_at is too far from now';
    // The signature is checked before who signed matters: a forged event is "invalid", whoever it names.
    if (!verifySignedEvent(event)) return 'invalid: bad signature or id';
    if (event.pubkey !== this.pubkey) return 'restricted: events must be signed by the authenticated key';
    if (this.role === 'member' && (event.kind !== HUB_EVENT_KIND || !isGenericTagOnly(event.tags)))
      return `restricted: members may publish only kind ${HUB_EVENT_KIND} with the generic tag`;
    // A member may sign only their own presence (PROTOCOL.md §11). The relay cannot read the
    // payload, so clients check it; what the relay can check is that it is presence-sized, so a
    // member cannot make it fan large events out to everyone.
    if (this.role === 'member' && event.content.length > MAX_MEMBER_EVENT_CONTENT)
      return `restricted: a member's event content is at most ${MAX_MEMBER_EVENT_CONTENT} characters`;
    return null;
  }

  private onReq(message: unknown[]): undefined {
    const subId = message[1];
    if (typeof subId !== 'string' || subId.length === 0 || subId.length > MAX_SUBSCRIPTION_ID) {
      this.send(
        noticeMessage(`invalid: a subscription id is a string of 1..${MAX_SUBSCRIPTION_ID} characters`),
      );
      return;
    }
    if (!this.pubkey) {
      this.send(closedMessage(subId, 'auth-required: authenticate (NIP-42) before subscribing'));
      return;
    }
    const raw = message.slice(2);
    if (raw.length === 0 || raw.length > MAX_FILTERS) {
      this.send(closedMessage(subId, `invalid: a REQ needs 1..${MAX_FILTERS} filters`));
      return;
    }
    if (!this.subscriptions.has(subId) && this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      this.send(closedMessage(subId, `blocked: at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`));
      return;
    }
    let filters: Filter[];
    try {
      filters = raw.map(parseFilter);
    } catch (error) {
      this.send(closedMessage(subId, `invalid: ${(error as Error).message}`));
      return;
    }
    this.subscriptions.set(subId, { idJson: JSON.stringify(subId), filters });
    // Nothing is stored, so the stored part of every answer is empty.
    this.send(eoseMessage(subId));
  }
}
