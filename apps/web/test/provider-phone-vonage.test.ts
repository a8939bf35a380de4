import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserCredential } from '@llamenos/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import type {
  IncomingProviderCall,
  ProviderPhone,
  ProviderPhoneEvents,
} from '../src/lib/calls/provider-phone/types.js';
import { type VonageSdkClient, vonagePhoneWith } from '../src/lib/calls/provider-phone/vonage.js';

/**
 * The Vonage browser phone, two ways:
 * - the REAL Vonage Client SDK (2.3.1) against a loopback double of its session endpoints (its
 *   `websocketUrl` and `apiUrl` options): the SDK opens its socket.io session with our token and
 *   refreshes it over REST with the new one;
 * - the call mapping (invite, cancel, answer, mute, reject, hang up) with a client
 *   double of the SDK's shape (`VonageSdkClient`, type-checked against the SDK's declarations):
 *   a call invite of the real SDK needs Vonage's conversation events, which no double here speaks.
 */

const IDENTITY = `v${'b2'.repeat(12)}`;
const TOKEN_1 = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmaXJzdCJ9.c2lnbmF0dXJlLW9uZQ';
const TOKEN_2 = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNvbmQifQ.c2lnbmF0dXJlLXR3bw';
const credential = (token: string, provider: BrowserCredential['provider'] = 'vonage') =>
  ({
    provider,
    identity: IDENTITY,
    token,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  }) as BrowserCredential;

const quietEvents = (over: Partial<ProviderPhoneEvents> = {}): ProviderPhoneEvents => ({
  incoming: over.incoming ?? (() => undefined),
  ended: over.ended ?? (() => undefined),
  error: over.error ?? (() => undefined),
  connected: over.connected ?? (() => undefined),
});

/** Engine.IO 4 / socket.io over a WebSocket, just enough for a session, and the sessions REST path. */
class VonageSessionDouble {
  readonly sessionTokens: string[] = [];
  readonly refreshes: { path: string; authorization: string | undefined }[] = [];
  private readonly http: Server = createServer((request, response) => this.rest(request, response));
  private readonly sockets = new WebSocketServer({ server: this.http });

  constructor() {
    this.sockets.on('connection', (socket, request) => {
      this.sessionTokens.push(new URL(request.url ?? '/', 'http://x').searchParams.get('token') ?? '');
      socket.send(
        JSON.stringify({ sid: 'e1', upgrades: [], pingInterval: 25000, pingTimeout: 20000 }).replace(
          /^/,
          '0',
        ),
      );
      socket.on('message', (data) => {
        if (String(data) !== '40') return;
        socket.send('40{"sid":"n1"}');
        const success = {
          type: 'session:success',
          body: { id: 'sess-1', user_id: 'USR-1', name: IDENTITY, api_key: 'app-1' },
        };
        socket.send(`42${JSON.stringify(['session:success', success])}`);
      });
    });
  }

  private rest(request: IncomingMessage, response: import('node:http').ServerResponse): void {
    request.resume();
    request.on('end', () => {
      if (request.method === 'PUT' && request.url?.startsWith('/v0.2/sessions/'))
        this.refreshes.push({ path: request.url, authorization: request.headers.authorization });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ session_id: 'sess-1' }));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((ready) => this.http.listen(0, '127.0.0.1', ready));
    return `127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    return new Promise((done) => this.http.close(() => done()));
  }
}

let double: VonageSessionDouble | null = null;
let phone: ProviderPhone | null = null;

afterEach(async () => {
  await phone?.unregister().catch(() => undefined);
  phone = null;
  await double?.close();
  double = null;
  vi.useRealTimers();
});

describe('Vonage browser phone (real Client SDK, loopback session endpoints)', () => {
  async function phoneAtDouble(): Promise<ProviderPhone> {
    double = new VonageSessionDouble();
    const host = await double.listen();
    return vonagePhoneWith(undefined, { apiUrl: `http://${host}`, websocketUrl: `ws://${host}` })(
      credential(TOKEN_1),
      quietEvents(),
    );
  }

  it('opens its session with the server-issued token', async () => {
    phone = await phoneAtDouble();
    await phone.register();
    expect(double?.sessionTokens).toEqual([TOKEN_1]);
  });

  it('refreshes the open session with the new token', async () => {
    phone = await phoneAtDouble();
    await phone.register();
    await phone.refresh(credential(TOKEN_2));
    expect(double?.refreshes).toEqual([
      { path: '/v0.2/sessions/sess-1', authorization: `bearer ${TOKEN_2}` },
    ]);
    expect(double?.sessionTokens).toEqual([TOKEN_1]);
  });

  it('refuses another provider’s credential', async () => {
    await expect(vonagePhoneWith()(credential(TOKEN_1, 'plivo'), quietEvents())).rejects.toThrow(
      /Vonage phone cannot use a plivo credential/,
    );
  });
});

/** A client double of the SDK's shape: records what the adapter asks, lets the test fire events. */
function clientDouble() {
  const handlers = new Map<string, (...args: unknown[]) => void>();
  const asked: string[] = [];
  const client = {
    createSession: vi.fn(async () => 'sess-9'),
    refreshSession: vi.fn(async () => undefined),
    deleteSession: vi.fn(async () => undefined),
    on: vi.fn((event: string, handler: (...args: unknown[]) => void) => {
      handlers.set(event, handler);
      return Symbol(event);
    }),
    answer: vi.fn(async (id: string) => void asked.push(`answer ${id}`)),
    reject: vi.fn(async (id: string) => void asked.push(`reject ${id}`)),
    hangup: vi.fn(async (id: string) => void asked.push(`hangup ${id}`)),
    mute: vi.fn(async (id: string) => void asked.push(`mute ${id}`)),
    unmute: vi.fn(async (id: string) => void asked.push(`unmute ${id}`)),
    sendDTMF: vi.fn(async (id: string, digits: string) => void asked.push(`dtmf ${id} ${digits}`)),
    getPeerConnection: vi.fn(() => undefined),
    getAudioOutputElement: vi.fn(() => undefined),
  };
  const fire = (event: string, ...args: unknown[]) => handlers.get(event)?.(...args);
  return { client: client as unknown as VonageSdkClient & typeof client, fire, asked };
}

async function phoneWithDouble() {
  const { client, fire, asked } = clientDouble();
  const incoming: IncomingProviderCall[] = [];
  const ended: IncomingProviderCall[] = [];
  const connected: IncomingProviderCall[] = [];
  const errors: Error[] = [];
  const made = await vonagePhoneWith(async () => ({
    VonageClient: function sdkClient() {
      return client;
    } as never,
  }))(
    credential(TOKEN_1),
    quietEvents({
      incoming: (c) => incoming.push(c),
      ended: (c) => ended.push(c),
      error: (e) => errors.push(e),
      connected: (c) => connected.push(c),
    }),
  );
  await made.register();
  return { phone: made, client, fire, asked, incoming, ended, connected, errors };
}

/** A stand-in for the browser's MediaStream (Node has none): it only holds its tracks. */
class TrackList {
  constructor(private readonly tracks: MediaStreamTrack[]) {}
  getAudioTracks() {
    return this.tracks;
  }
  getTracks() {
    return this.tracks;
  }
}

describe('Vonage browser phone: call mapping (SDK-shaped client double)', () => {
  it('says the audio is up once answered, and gives its connection’s statistics and both sides', async () => {
    vi.stubGlobal('MediaStream', TrackList);
    const t = await phoneWithDouble();
    const mic = { kind: 'audio', id: 'mic' } as MediaStreamTrack;
    const voice = { kind: 'audio', id: 'caller' } as MediaStreamTrack;
    const pc = {
      getSenders: () => [{ track: mic }],
      getReceivers: () => [{ track: voice }],
      getStats: async () => new Map(),
    };
    t.client.getPeerConnection.mockImplementation((() => pc) as never);
    t.fire('callInvite', 'call-7', 'app:hotline', 'app');
    const call = t.incoming[0]!;
    expect(t.connected).toEqual([]);
    await call.accept({});
    expect(t.connected).toEqual([call]);
    expect(call.statsSource()).toBe(pc);
    expect(call.localStream()?.getAudioTracks()).toEqual([mic]);
    expect(call.remoteStream()?.getAudioTracks()).toEqual([voice]);
    vi.unstubAllGlobals();
  });

  it('rings without a hotline call id and ends once when Vonage cancels the invite', async () => {
    const t = await phoneWithDouble();
    expect(t.client.createSession).toHaveBeenCalledWith(TOKEN_1);
    t.fire('callInvite', 'call-1', 'app:hotline', 'app');
    expect(t.incoming).toHaveLength(1);
    expect(t.incoming[0]?.callId).toBeNull();
    expect(t.incoming[0]?.provider).toBe('vonage');
    t.fire('callInviteCancel', 'call-1', 'RemoteCancel');
    t.fire('callHangup', 'call-1', {}, 'REMOTE_HANGUP');
    expect(t.ended).toEqual([t.incoming[0]]);
  });

  it('answers with no key pressed (a browser leg is not screened), mutes and hangs up through the SDK', async () => {
    vi.useFakeTimers();
    const t = await phoneWithDouble();
    t.fire('callInvite', 'call-2', 'app:hotline', 'app');
    const call = t.incoming[0];
    await call?.accept({});
    await vi.advanceTimersByTimeAsync(2_000);
    call?.mute(true);
    call?.mute(false);
    call?.hangUp();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.asked).toEqual(['answer call-2', 'mute call-2', 'unmute call-2', 'hangup call-2']);
    t.fire('callHangup', 'call-2', {}, 'LOCAL_HANGUP');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.asked.filter((a) => a.startsWith('dtmf'))).toEqual([]);
    expect(t.ended).toEqual([call]);
  });

  it('declines a ringing call, and hanging up one not answered declines it', async () => {
    const t = await phoneWithDouble();
    t.fire('callInvite', 'call-3', 'app:hotline', 'app');
    t.fire('callInvite', 'call-4', 'app:hotline', 'app');
    t.incoming[0]?.reject();
    t.incoming[1]?.hangUp();
    await Promise.resolve();
    expect(t.asked).toEqual(['reject call-3', 'reject call-4']);
  });

  it('surfaces a lost session as an error and opens a new one at the next refresh', async () => {
    const t = await phoneWithDouble();
    t.fire('sessionError', 'EXPIRED_TOKEN');
    expect(t.errors.map((e) => e.message)).toEqual(['Vonage session lost: EXPIRED_TOKEN']);
    await t.phone.refresh(credential(TOKEN_2));
    expect(t.client.refreshSession).not.toHaveBeenCalled();
    expect(t.client.createSession).toHaveBeenLastCalledWith(TOKEN_2);
  });

  it('hangs up what is live and closes the session when unregistered', async () => {
    const t = await phoneWithDouble();
    t.fire('callInvite', 'call-5', 'app:hotline', 'app');
    await t.phone.unregister();
    await Promise.resolve();
    expect(t.asked).toEqual(['reject call-5']);
    expect(t.client.deleteSession).toHaveBeenCalledTimes(1);
  });
});
