import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A loopback double of SignalWire's Blade socket (wss://relay.signalwire.com), as far as the RELAY
 * browser SDK (`@signalwire/js` 1.x) needs it to be ready, to refresh and to ring a browser:
 * `blade.connect` (answered with a session, or refused), the session's setup and its
 * notifications subscription, `blade.reauthenticate`, and Verto messages both ways — SignalWire's
 * relayed to the browser as `blade.broadcast`, the browser's sent as `blade.execute` (answered as
 * SignalWire's call node does). Every request is recorded. Used by
 * `provider-phone-signalwire.test.ts` (the SDK in Node) and `e2e/signalwire-phone.spec.ts` (the
 * SDK in Chromium, with a real offer).
 */

export const BLADE_SIGNATURE = 'sig-0123';
export const BLADE_PROTOCOL = `signalwire_${BLADE_SIGNATURE}_relay`;

/** A JSON-RPC request as the SDK sends it. */
export interface BladeRequest {
  jsonrpc: string;
  id: string;
  method?: string;
  params?: Record<string, unknown> & {
    protocol?: string;
    method?: string;
    params?: { message?: VertoMessage };
  };
}

/** A Verto message inside a `blade.execute` (a request of the browser, or its answer to ours). */
export interface VertoMessage {
  method?: string;
  id?: string;
  params?: Record<string, unknown>;
  result?: unknown;
}

export class BladeDouble {
  readonly requests: BladeRequest[] = [];
  /** `blade.connect` or `blade.reauthenticate` answered with Blade's authentication error. */
  readonly refuse = new Set<string>();
  private readonly http: Server = createServer();
  private readonly sockets = new WebSocketServer({ server: this.http });
  private socket: WebSocket | null = null;
  private readonly waiting = new Set<() => void>();

  constructor() {
    this.sockets.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data) => this.answer(socket, JSON.parse(String(data)) as BladeRequest));
    });
  }

  private answer(socket: WebSocket, request: BladeRequest): void {
    this.requests.push(request);
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, ...this.outcome(request) }));
    for (const wake of [...this.waiting]) wake();
  }

  private outcome(request: BladeRequest): { result: unknown } | { error: unknown } {
    const refused = {
      error: { code: -32002, message: 'Authentication service failed with status ProtocolError' },
    };
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    switch (request.method) {
      case 'blade.connect':
        if (this.refuse.has('blade.connect')) return refused;
        return {
          result: {
            sessionid: 'sess-1',
            nodeid: 'node-browser',
            master_nodeid: 'node-master',
            authorization: { expires_at: expiresAt, signature: BLADE_SIGNATURE },
            ice_servers: [],
          },
        };
      case 'blade.reauthenticate':
        if (this.refuse.has('blade.reauthenticate')) return refused;
        return { result: { authorization: { expires_at: expiresAt } } };
      case 'blade.subscription':
        return {
          result: {
            command: 'add',
            protocol: request.params?.protocol,
            subscribe_channels: request.params?.channels,
          },
        };
      default: {
        const relayed = { requester_nodeid: 'node-browser', responder_nodeid: 'node-relay' };
        if (request.params?.protocol === 'signalwire' && request.params.method === 'setup')
          return { result: { ...relayed, result: { protocol: BLADE_PROTOCOL } } };
        // A Verto message relayed to the call's node: Verto's answer nested in Blade's.
        const verto = {
          jsonrpc: '2.0',
          id: request.params?.params?.message?.id,
          result: { message: 'OK' },
        };
        return { result: { ...relayed, result: { code: '200', node_id: 'node-call', result: verto } } };
      }
    }
  }

  /** Blade methods the SDK sent, in order. */
  methods(): string[] {
    return this.requests.map((r) => r.method ?? 'result');
  }

  /** The Verto messages the SDK sent through `blade.execute` (its answers to ours included). */
  verto(): VertoMessage[] {
    return this.requests
      .filter((r) => r.method === 'blade.execute' && r.params?.method === 'message')
      .map((r) => r.params?.params?.message ?? {});
  }

  /** The first Verto request of `method` the SDK sends (already sent, or the next one). */
  nextVerto(method: string, limitMs = 15_000): Promise<VertoMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.verto().find((m) => m.method === method);
        if (!found) return;
        clearTimeout(limit);
        this.waiting.delete(check);
        resolve(found);
      };
      const limit = setTimeout(() => {
        this.waiting.delete(check);
        reject(new Error(`no ${method} from the browser`));
      }, limitMs);
      this.waiting.add(check);
      check();
    });
  }

  /** Forgets what was sent (between calls of one test). */
  forget(): void {
    this.requests.length = 0;
  }

  /** Relays a Verto message from SignalWire's call node to the browser, as SignalWire does. */
  relay(method: string, params: Record<string, unknown>): void {
    this.socket?.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: `b-${this.requests.length}-${method}-${String(params.callID)}`,
        method: 'blade.broadcast',
        params: {
          broadcaster_nodeid: 'node-relay',
          protocol: BLADE_PROTOCOL,
          channel: 'notifications',
          event: 'queuing.relay.events',
          params: {
            event_type: 'webrtc.message',
            node_id: 'node-call',
            params: { jsonrpc: '2.0', id: `v-${method}-${String(params.callID)}`, method, params },
          },
        },
      }),
    );
  }

  /** The Verto leg to the browser's resource: an invite with SignalWire's offer. */
  invite(callID: string, callee: string, sdp = SILENT_OFFER): void {
    this.relay('verto.invite', {
      callID,
      sdp,
      caller_id_name: 'Hotline',
      caller_id_number: '+15550001111',
      callee_id_name: callee,
      callee_id_number: callee,
      display_direction: 'outbound',
    });
  }

  /** SignalWire ends the leg (the caller hung up, another leg won). */
  bye(callID: string): void {
    this.relay('verto.bye', { callID, cause: 'NORMAL_CLEARING', causeCode: 16 });
  }

  async listen(): Promise<string> {
    await new Promise<void>((ready) => this.http.listen(0, '127.0.0.1', ready));
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    return new Promise((done) => this.http.close(() => done()));
  }
}

/** An offer for the tests that never answer (Node has no WebRTC to make a real one). */
const SILENT_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n';
