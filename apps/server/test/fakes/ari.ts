import type { IncomingMessage } from 'node:http';
import type { ServerType } from '@hono/node-server';
import { constantTimeEqualText } from '@llamenos/crypto';
import { type Context, Hono } from 'hono';
import { type WebSocket, WebSocketServer } from 'ws';
import { closeLoopbackServer, listenOnLoopback } from '../../src/telephony/loopback-server.js';

/**
 * A local stand-in for Asterisk's ARI on 127.0.0.1: the REST resources the adapter uses
 * (channels, bridges, playbacks, stored recordings) and the events WebSocket at /ari/events,
 * through which a test emits Stasis events. Basic auth (REST) and api_key (WebSocket) are
 * checked like Asterisk; every REST request is recorded.
 */
export interface FakeAriRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorized: boolean;
}

export interface FakeChannel {
  id: string;
  state: string;
}

export interface FakeBridge {
  id: string;
  type: string;
  channels: string[];
  moh: string | null;
}

export class FakeAri {
  readonly requests: FakeAriRequest[] = [];
  readonly channels = new Map<string, FakeChannel>();
  readonly bridges = new Map<string, FakeBridge>();
  readonly recordings = new Map<string, Uint8Array>();
  /** Ids of the playbacks started, in order. */
  readonly playbacks: string[] = [];
  /** How many events WebSockets were accepted, ever. */
  connections = 0;
  private readonly sockets = new Set<WebSocket>();
  private server: ServerType | null = null;
  private wss: WebSocketServer | null = null;
  private origin = '';
  private counter = 0;
  private failures: { status: number; pathIncludes?: string; times: number }[] = [];
  private delayMs = 0;

  constructor(private readonly account: { username: string; password: string; app: string }) {}

  static async start(account: { username: string; password: string; app: string }): Promise<FakeAri> {
    const fake = new FakeAri(account);
    ({ server: fake.server, origin: fake.origin } = await listenOnLoopback(fake.routes().fetch));
    fake.wss = new WebSocketServer({
      server: fake.server as unknown as import('node:http').Server,
      path: '/ari/events',
      verifyClient: (info: { req: IncomingMessage }) => fake.wsAllowed(info.req.url ?? ''),
    });
    fake.wss.on('connection', (socket) => {
      fake.connections += 1;
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    return fake;
  }

  get baseUrl(): string {
    return this.origin;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  /** Sends an ARI event (a JSON object) to every connected events socket. */
  emit(event: Record<string, unknown>): void {
    const text = JSON.stringify({
      application: this.account.app,
      timestamp: new Date().toISOString(),
      ...event,
    });
    for (const socket of this.sockets) socket.send(text);
  }

  /** Drops every events socket, as an Asterisk restart would. */
  dropSockets(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  failNext(status: number, pathIncludes?: string): void {
    this.failures.push({ status, pathIncludes, times: 1 });
  }
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  addChannel(state: string, id = `${1_700_000_000 + this.counter}.${++this.counter}`): FakeChannel {
    const channel = { id, state };
    this.channels.set(id, channel);
    return channel;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss?.close();
    const server = this.server;
    this.server = null;
    await closeLoopbackServer(server);
  }

  private wsAllowed(url: string): boolean {
    const query = new URL(url, 'http://x').searchParams;
    const key = query.get('api_key') ?? '';
    return (
      query.get('app') === this.account.app &&
      constantTimeEqualText(key, `${this.account.username}:${this.account.password}`)
    );
  }

  private routes(): Hono {
    const app = new Hono();
    const notFound = (c: Context, what: string) => c.json({ message: `${what} not found` }, 404);
    app.use('*', async (c, next) => {
      const url = new URL(c.req.url);
      const header = c.req.header('authorization') ?? '';
      const expected = `Basic ${Buffer.from(`${this.account.username}:${this.account.password}`).toString('base64')}`;
      const authorized = constantTimeEqualText(header, expected);
      this.requests.push({
        method: c.req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorized,
      });
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs).unref());
      const failure = this.failures.find(
        (f) => f.times > 0 && (!f.pathIncludes || url.pathname.includes(f.pathIncludes)),
      );
      if (failure) {
        failure.times -= 1;
        return c.json({ message: 'injected failure' }, failure.status as 500);
      }
      if (!authorized) return c.json({ message: 'Authentication required' }, 401);
      await next();
    });

    app.post('/ari/channels', (c) => {
      if (!c.req.query('endpoint') || !c.req.query('app'))
        return c.json({ message: 'endpoint and app are required' }, 400);
      const channel = this.addChannel('Down');
      return c.json({ id: channel.id, name: `PJSIP/x-${channel.id}`, state: channel.state }, 200);
    });
    app.get('/ari/channels/:id', (c) => {
      const channel = this.channels.get(c.req.param('id'));
      return channel ? c.json(channel) : notFound(c, 'Channel');
    });
    app.delete('/ari/channels/:id', (c) => {
      if (!this.channels.delete(c.req.param('id'))) return notFound(c, 'Channel');
      // A channel hung up leaves its bridge, as in Asterisk.
      for (const bridge of this.bridges.values())
        bridge.channels = bridge.channels.filter((id) => id !== c.req.param('id'));
      return c.body(null, 204);
    });
    app.post('/ari/channels/:id/answer', (c) => {
      const channel = this.channels.get(c.req.param('id'));
      if (!channel) return notFound(c, 'Channel');
      channel.state = 'Up';
      return c.body(null, 204);
    });
    app.post('/ari/channels/:id/play', (c) => {
      if (!this.channels.has(c.req.param('id'))) return notFound(c, 'Channel');
      const id = `playback-${++this.counter}`;
      this.playbacks.push(id);
      return c.json({ id, media_uri: c.req.query('media'), state: 'queued' }, 201);
    });
    app.delete('/ari/playbacks/:id', (c) => c.body(null, 204));
    app.post('/ari/channels/:id/moh', (c) =>
      this.channels.has(c.req.param('id')) ? c.body(null, 204) : notFound(c, 'Channel'),
    );
    // A snoop channel, as ARI makes one: into `app`, spy/whisper each none|both|out|in.
    app.post('/ari/channels/:id/snoop', (c) => {
      if (!this.channels.has(c.req.param('id'))) return notFound(c, 'Channel');
      const directions = ['none', 'both', 'out', 'in'];
      if (!c.req.query('app')) return c.json({ message: 'app is required' }, 400);
      if (
        !directions.includes(c.req.query('spy') ?? 'none') ||
        !directions.includes(c.req.query('whisper') ?? 'none')
      )
        return c.json({ message: 'Invalid direction' }, 400);
      const channel = this.addChannel('Up', c.req.query('snoopId') || undefined);
      return c.json({ id: channel.id, name: `Snoop/${c.req.param('id')}`, state: channel.state }, 200);
    });
    app.post('/ari/channels/:id/record', (c) => {
      if (!this.channels.has(c.req.param('id'))) return notFound(c, 'Channel');
      for (const bridge of this.bridges.values())
        if (bridge.channels.includes(c.req.param('id')))
          return c.json({ message: 'Channel is currently bridged' }, 409);
      return c.json(
        { name: c.req.query('name'), state: 'recording', target_uri: `channel:${c.req.param('id')}` },
        201,
      );
    });
    app.post('/ari/bridges/:id', (c) => {
      const id = c.req.param('id');
      // ARI's bridge types, comma-separated; anything else is a 400.
      const types = (c.req.query('type') ?? 'mixing').split(',');
      if (
        !types.every((t) =>
          [
            'mixing',
            'holding',
            'dtmf_events',
            'proxy_media',
            'video_sfu',
            'video_single',
            'sdp_label',
          ].includes(t),
        )
      )
        return c.json({ message: 'Invalid bridge type' }, 400);
      const bridge = this.bridges.get(id) ?? {
        id,
        type: c.req.query('type') ?? 'mixing',
        channels: [],
        moh: null,
      };
      this.bridges.set(id, bridge);
      return c.json({ id, bridge_type: bridge.type, channels: bridge.channels });
    });
    app.get('/ari/bridges', (c) =>
      c.json(
        [...this.bridges.values()].map((b) => ({ id: b.id, bridge_type: b.type, channels: b.channels })),
      ),
    );
    app.get('/ari/bridges/:id', (c) => {
      const bridge = this.bridges.get(c.req.param('id'));
      return bridge
        ? c.json({ id: bridge.id, bridge_type: bridge.type, channels: bridge.channels })
        : notFound(c, 'Bridge');
    });
    app.delete('/ari/bridges/:id', (c) =>
      this.bridges.delete(c.req.param('id')) ? c.body(null, 204) : notFound(c, 'Bridge'),
    );
    app.post('/ari/bridges/:id/addChannel', (c) => {
      const bridge = this.bridges.get(c.req.param('id'));
      if (!bridge) return notFound(c, 'Bridge');
      for (const id of (c.req.query('channel') ?? '').split(',')) {
        if (!this.channels.has(id)) return c.json({ message: 'Channel not found' }, 400);
        for (const other of this.bridges.values())
          if (other.channels.includes(id)) return c.json({ message: 'Channel is in another bridge' }, 409);
        bridge.channels.push(id);
      }
      return c.body(null, 204);
    });
    app.post('/ari/bridges/:id/removeChannel', (c) => {
      const bridge = this.bridges.get(c.req.param('id'));
      if (!bridge) return notFound(c, 'Bridge');
      if (!bridge.channels.includes(c.req.query('channel') ?? ''))
        return c.json({ message: 'Channel not in this bridge' }, 422);
      bridge.channels = bridge.channels.filter((id) => id !== c.req.query('channel'));
      return c.body(null, 204);
    });
    app.post('/ari/bridges/:id/moh', (c) => {
      const bridge = this.bridges.get(c.req.param('id'));
      if (!bridge) return notFound(c, 'Bridge');
      bridge.moh = c.req.query('mohClass') ?? 'default';
      return c.body(null, 204);
    });
    app.get('/ari/recordings/stored/:name/file', (c) => {
      const bytes = this.recordings.get(c.req.param('name'));
      return bytes
        ? c.body(bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': 'audio/wav' })
        : notFound(c, 'Recording');
    });
    app.delete('/ari/recordings/stored/:name', (c) =>
      this.recordings.delete(c.req.param('name')) ? c.body(null, 204) : notFound(c, 'Recording'),
    );
    app.notFound((c) => notFound(c, 'Resource'));
    return app;
  }
}
