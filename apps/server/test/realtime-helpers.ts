import { randomUUID } from 'node:crypto';
import {
  createAuthHeader,
  decryptHubEvent,
  deriveEventKey,
  fromBase64url,
  generateSecretKey,
  getPublicKey,
  HUB_EVENT_KIND,
  type NostrEvent,
  signEvent,
  unwrapHubKey,
} from '@llamenos/crypto';
import type { HubEventPayload } from '@llamenos/protocol';
import WebSocket from 'ws';
import { freePort } from '../../../scripts/free-port.mjs';
import type { Database } from '../src/db/database.js';
import type { ServerContext } from '../src/http/context.js';
import { createLogger } from '../src/logging.js';
import { currentHubKey } from '../src/realtime/hub-keys.js';
import { type RunningServer, startServer } from '../src/server.js';
import { loopbackConfig, openTestDatabase, type TestUser } from './helpers.js';

/** A free TCP port: the relay URL clients sign (NIP-42) must name the port the server really listens on. */
export { freePort };

export interface RelayServer {
  server: RunningServer;
  /** ws://127.0.0.1:<port>/nostr: where to connect and what AUTH events must name. */
  relayUrl: string;
  addUser(roles: string[]): Promise<TestUser>;
  /** A request to the real HTTP server, NIP-98-signed by `as` when given. */
  request(method: string, path: string, options?: { as?: TestUser; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 with the embedded relay, on a fresh test database (or `shared`). */
export async function startRelayServer(
  overrides: Record<string, string> = {},
  shared?: { db: Database; serverSecret: string },
): Promise<RelayServer> {
  const own = shared ? null : await openTestDatabase();
  const db = shared?.db ?? own!.db;
  // The port is named in PUBLIC_URL before the server listens, so another test file may take it
  // between the probe and the listen: try another one then.
  let port = 0;
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  for (let attempt = 0; !server; attempt++) {
    port = await freePort();
    const config = loopbackConfig(port, {
      ...(shared ? { SERVER_SECRET: shared.serverSecret } : {}),
      ...overrides,
    });
    try {
      server = await startServer(config, createLogger('silent'), { db });
    } catch (e) {
      if (attempt >= 4 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  const publicUrl = `http://127.0.0.1:${port}`;
  return {
    server,
    relayUrl: `ws://127.0.0.1:${port}/nostr`,
    async addUser(roles) {
      const secretKey = generateSecretKey();
      const pubkey = getPublicKey(secretKey);
      const id = randomUUID();
      await db.query(
        'insert into users (id, pubkey, display_name, roles, created_at, updated_at) values ($1, $2, $3, $4::jsonb, now(), now())',
        [id, pubkey, 'Relay test user', JSON.stringify(roles)],
      );
      return { id, pubkey, secretKey, roles };
    },
    async request(method, path, options = {}) {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      if (options.as)
        headers.authorization = createAuthHeader(
          { url: `${publicUrl}${path}`, method, body: body ?? '' },
          options.as.secretKey,
        );
      return fetch(`${publicUrl}${path}`, { method, headers, body });
    },
    async close() {
      await server.close();
      await own?.drop();
    },
  };
}

type Message = [string, ...unknown[]];

/** A bare WebSocket client speaking raw NIP-01 frames, to send exactly the bad input under test. */
export class RawClient {
  readonly messages: Message[] = [];
  challenge = '';
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      if (message[0] === 'AUTH') this.challenge = message[1] as string;
      this.messages.push(message);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async connect(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.waitFor((m) => m[0] === 'AUTH');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (from `from` on) matching `predicate`; rejects after `timeoutMs`. */
  async waitFor(predicate: (m: Message) => boolean, timeoutMs = 5000, from = 0): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching message; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    return (async () => {
      while (!this.closed) {
        if (Date.now() > deadline) throw new Error('connection not closed');
        await new Promise((r) => setTimeout(r, 20));
      }
      return this.closed;
    })();
  }

  /** The OK answer for event `id`. */
  ok(id: string, timeoutMs?: number): Promise<Message> {
    return this.waitFor((m) => m[0] === 'OK' && m[1] === id, timeoutMs);
  }

  /** Authenticates with `secretKey`; overrides let a test sign the wrong challenge or relay. */
  async auth(
    secretKey: Uint8Array,
    relayUrl: string,
    overrides: { challenge?: string; relay?: string } = {},
  ): Promise<Message> {
    const event = authEvent(secretKey, overrides.relay ?? relayUrl, overrides.challenge ?? this.challenge);
    this.send(['AUTH', event]);
    return this.ok(event.id);
  }

  close(): void {
    this.ws.terminate();
  }
}

export function authEvent(secretKey: Uint8Array, relay: string, challenge: string): NostrEvent {
  return signEvent(
    {
      kind: 22242,
      created_at: Math.floor(Date.now() / 1000),
      tags: [
        ['relay', relay],
        ['challenge', challenge],
      ],
      content: '',
    },
    secretKey,
  );
}

/**
 * `member` listening to the hotline's encrypted hub events as a client does: the hub key from
 * their wrap (GET /api/hub-key), then an authenticated subscription to the events' generic tag.
 * `next(type)` waits for the next event whose plaintext names `type`.
 */
export async function listenToHubEvents(s: RelayServer, member: TestUser) {
  const res = await s.request('GET', '/api/hub-key', { as: member });
  const { keyId, wrap } = (await res.json()) as { keyId: string; wrap: string };
  const eventKey = deriveEventKey(unwrapHubKey(fromBase64url(wrap), member.secretKey, keyId));
  const client = await RawClient.connect(s.relayUrl);
  await client.auth(member.secretKey, s.relayUrl);
  client.send(['REQ', 'hub', { kinds: [HUB_EVENT_KIND], '#t': ['llamenos:event'] }]);
  await client.waitFor((m) => m[0] === 'EOSE');
  const plaintext = (event: NostrEvent) => decryptHubEvent(eventKey, event.content);
  return {
    client,
    async next(type: string): Promise<{ event: NostrEvent; payload: unknown }> {
      const frame = await client.waitFor(
        (m) => m[0] === 'EVENT' && plaintext(m[2] as NostrEvent).includes(type),
      );
      const event = frame[2] as NostrEvent;
      return { event, payload: JSON.parse(plaintext(event)) };
    },
    close: () => client.close(),
  };
}

/**
 * The hub events `ctx` publishes from now on, decrypted as a member's client would, kept in
 * `list` instead of reaching a relay; `stop()` puts the context's realtime back.
 */
export async function captureHubEvents(
  ctx: ServerContext,
): Promise<{ list: HubEventPayload[]; stop: () => void }> {
  const eventKey = deriveEventKey((await currentHubKey(ctx)).key);
  const list: HubEventPayload[] = [];
  const before = ctx.realtime;
  ctx.realtime = {
    relay: null,
    external: null,
    bridge: null,
    publish: async (event) => {
      list.push(JSON.parse(decryptHubEvent(eventKey, event.content)) as HubEventPayload);
    },
    close: async () => undefined,
  };
  return {
    list,
    stop: () => {
      ctx.realtime = before;
    },
  };
}
