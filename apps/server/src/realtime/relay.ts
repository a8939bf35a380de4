import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NostrEvent } from '@llamenos/crypto';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logging.js';
import { Connection, type ConnectionHost, type Role } from './connection.js';
import { matchesAny } from './filters.js';
import { HARD_FRAME_BYTES, MAX_CONNECTIONS, PING_INTERVAL_MS, RECENT_IDS } from './limits.js';
import { eventMessage } from './messages.js';
import { RecentIds } from './recent-ids.js';
import { RELAY_PATH } from './url.js';

export interface RelayOptions {
  /** The public URL clients name in their AUTH events. */
  relayUrl: string;
  roleOf(pubkey: string): Promise<Role | null>;
  /** Of these keys, the ones still held by active members (to drop the others' connections). */
  activeMembers(pubkeys: string[]): Promise<Set<string>>;
  /** Called for every event a client published and the relay accepted (to reach other processes). */
  onClientEvent?(event: NostrEvent): void;
  log: Logger;
  nowSeconds?: () => number;
}

/**
 * The embedded NIP-01/NIP-42 relay at /nostr. It stores nothing: hub events are ephemeral,
 * so it only fans each accepted event out to the matching subscriptions of the connections
 * open right now, and every process of a scaled-out server runs its own (see bridge.ts).
 */
export class EmbeddedRelay {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: HARD_FRAME_BYTES,
    perMessageDeflate: false,
  });
  private readonly connections = new Set<Connection>();
  private readonly recent = new RecentIds(RECENT_IDS);
  private readonly pinger: NodeJS.Timeout;
  private readonly host: ConnectionHost;

  constructor(private readonly options: RelayOptions) {
    const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.host = {
      relayUrl: options.relayUrl,
      roleOf: options.roleOf,
      nowSeconds,
      accept: (event) => {
        const fresh = this.deliver(event) >= 0;
        if (fresh) options.onClientEvent?.(event);
        return fresh;
      },
      closed: (connection) => this.connections.delete(connection),
    };
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** For the http server's 'upgrade' event; answers only /nostr and refuses everything else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== RELAY_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (this.connections.size >= MAX_CONNECTIONS) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.connections.add(new Connection(ws, this.host));
    });
  }

  /**
   * Sends `event` to every matching subscription. Returns the number of deliveries, or -1 if
   * the event was already seen (a client re-sending it, or it came back through the bridge).
   */
  deliver(event: NostrEvent): number {
    if (!this.recent.add(event.id)) return -1;
    const eventJson = JSON.stringify(event);
    // Most clients name their subscription alike: encode each distinct frame once per event.
    const frames = new Map<string, Buffer>();
    let delivered = 0;
    for (const connection of this.connections) {
      if (!connection.role || !connection.isOpen) continue;
      for (const sub of connection.subscriptions.values()) {
        if (!matchesAny(sub.filters, event)) continue;
        let frame = frames.get(sub.idJson);
        if (!frame) {
          frame = Buffer.from(eventMessage(sub.idJson, eventJson));
          frames.set(sub.idJson, frame);
        }
        connection.send(frame);
        delivered++;
        if (!connection.isOpen) break;
      }
    }
    return delivered;
  }

  /** Closes the connections of keys that are no longer active members (after a deactivation). */
  async recheckMembers(): Promise<number> {
    const members = [...this.connections].filter((c) => c.role === 'member' && c.pubkey);
    if (members.length === 0) return 0;
    const active = await this.options.activeMembers([...new Set(members.map((c) => c.pubkey!))]);
    let dropped = 0;
    for (const c of members) {
      if (active.has(c.pubkey!)) continue;
      c.shutDown(1008, 'restricted: this key is no longer a member of the hotline');
      dropped++;
    }
    if (dropped) this.options.log.info({ dropped }, 'relay connections of removed members closed');
    return dropped;
  }

  /** Counts for tests and metrics; `open` leaves out connections already being closed. */
  stats(): { connections: number; open: number; authenticated: number; subscriptions: number } {
    let open = 0;
    let authenticated = 0;
    let subscriptions = 0;
    for (const c of this.connections) {
      if (c.isOpen) open++;
      if (c.role) authenticated++;
      subscriptions += c.subscriptions.size;
    }
    return { connections: this.connections.size, open, authenticated, subscriptions };
  }

  private ping(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
