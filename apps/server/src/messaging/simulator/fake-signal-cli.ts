import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocket, WebSocketServer } from 'ws';
import { closeLoopbackServer, listenOnLoopback } from '../../telephony/loopback-server.js';

/**
 * A local stand-in for signal-cli-rest-api in json-rpc mode on 127.0.0.1: the receive WebSocket
 * (/v1/receive/<number>) that pushes envelopes, POST /v2/send, and attachments by id (GET,
 * DELETE). Like signal-cli, it keeps a message until it has been written to a connected client,
 * so a client that drops and reconnects gets what arrived meanwhile. The simulated carrier's
 * Signal contacts text through it (so it is product, like the fake Messages API); tests use it
 * as the Signal fake and can drop every client.
 */
export class FakeSignalCliApi {
  readonly sent: { number: string; recipients: string[]; message: string }[] = [];
  readonly attachments = new Map<string, { bytes: Uint8Array; deleted: boolean }>();
  /** Envelopes not yet written to a client, per account number. */
  private readonly pending = new Map<string, unknown[]>();
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: ServerType | null = null;
  private origin: string | null = null;
  /** Connections ever accepted, for reconnection tests. */
  connections = 0;
  private readonly listeners = new Set<
    (sent: { number: string; recipients: string[]; message: string }) => void
  >();

  /** Hears every message the hotline sends (the simulated contacts' phones). */
  onSent(listener: (sent: { number: string; recipients: string[]; message: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  static async start(): Promise<FakeSignalCliApi> {
    const fake = new FakeSignalCliApi();
    ({ server: fake.server, origin: fake.origin } = await listenOnLoopback(fake.routes().fetch));
    fake.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      fake.upgrade(request, socket, head),
    );
    return fake;
  }

  get baseUrl(): string {
    return this.origin!;
  }

  async close(): Promise<void> {
    for (const set of this.sockets.values()) for (const ws of set) ws.terminate();
    this.wss.close();
    await closeLoopbackServer(this.server);
  }

  /** A contact writes to `account`: delivered now if a client listens, else kept. */
  deliver(account: string, envelope: Record<string, unknown>): void {
    this.pending.set(account, [...(this.pending.get(account) ?? []), { envelope, account }]);
    this.flush(account);
  }

  /** Cuts every receive socket, as a restart of signal-cli-rest-api or a network drop would. */
  dropClients(): void {
    for (const set of this.sockets.values()) for (const ws of set) ws.terminate();
  }

  clientCount(): number {
    return [...this.sockets.values()].reduce(
      (n, set) => n + [...set].filter((w) => w.readyState === WebSocket.OPEN).length,
      0,
    );
  }

  addAttachment(id: string, bytes: Uint8Array): void {
    this.attachments.set(id, { bytes, deleted: false });
  }

  private flush(account: string): void {
    const [ws] = [...(this.sockets.get(account) ?? [])].filter((w) => w.readyState === WebSocket.OPEN);
    if (!ws) return;
    const queue = this.pending.get(account) ?? [];
    this.pending.set(account, []);
    for (const frame of queue)
      ws.send(JSON.stringify(frame), (error) => {
        // Not written: kept for the next client, as signal-cli keeps it.
        if (error) this.pending.set(account, [frame, ...(this.pending.get(account) ?? [])]);
      });
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const match = /^\/v1\/receive\/([^/?]+)$/.exec(request.url ?? '');
    if (!match) {
      socket.destroy();
      return;
    }
    const account = decodeURIComponent(match[1]!);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.connections += 1;
      const set = this.sockets.get(account) ?? new Set();
      set.add(ws);
      this.sockets.set(account, set);
      ws.on('close', () => set.delete(ws));
      this.flush(account);
    });
  }

  private routes(): Hono {
    const app = new Hono();
    app.post('/v2/send', async (c) => {
      const body = (await c.req.json()) as { number?: unknown; recipients?: unknown; message?: unknown };
      if (
        typeof body.number !== 'string' ||
        !Array.isArray(body.recipients) ||
        typeof body.message !== 'string'
      )
        return c.json({ error: 'invalid request' }, 400);
      const sent = { number: body.number, recipients: body.recipients as string[], message: body.message };
      this.sent.push(sent);
      for (const listener of this.listeners) listener(sent);
      return c.json({ timestamp: String(Date.now()) }, 201);
    });
    app.get('/v1/attachments/:id', (c) => {
      const a = this.attachments.get(c.req.param('id'));
      if (!a || a.deleted) return c.json({ error: 'not found' }, 404);
      return c.body(a.bytes.slice().buffer as ArrayBuffer, 200, {
        'content-type': 'application/octet-stream',
      });
    });
    app.delete('/v1/attachments/:id', (c) => {
      const a = this.attachments.get(c.req.param('id'));
      if (!a || a.deleted) return c.json({ error: 'not found' }, 404);
      a.deleted = true;
      return c.body(null, 204);
    });
    return app;
  }
}
