import type { AddressInfo } from 'node:net';
import type { BrowserCredential } from '@llamenos/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocket, WebSocketServer } from 'ws';
import type {
  IncomingProviderCall,
  ProviderPhone,
  ProviderPhoneEvents,
} from '../src/lib/calls/provider-phone/types.js';

/**
 * The REAL Twilio Voice JS SDK (2.18.5) against a loopback double of its signalling socket: the
 * Device's `chunderw` option names the signalling host, and the double speaks just enough of
 * the protocol (listen → connected, register → ready, invite, cancel) to see that the adapter
 * presents our token, registers the identity, refreshes the token, maps an incoming call with
 * the hotline call id Twilio passes as a custom parameter, and reports its cancellation.
 *
 * Node is not a browser: the SDK is given a navigator with getUserMedia, a window with an
 * RTCPeerConnection constructor (it checks for WebRTC support; no media is negotiated before
 * accept), and a WebSocket from `ws` that reaches the double over plain ws:// (the SDK always
 * builds wss:// URLs).
 */

interface Frame {
  type: string;
  payload: Record<string, unknown>;
}

class SignallingDouble {
  readonly frames: Frame[] = [];
  private readonly server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/signal' });
  private socket: ServerSocket | null = null;
  private waiters: (() => void)[] = [];

  constructor(private readonly identity: string) {
    this.server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        this.frames.push(frame);
        if (frame.type === 'listen')
          this.send('connected', { region: 'gll', token: { identity: this.identity, ttl: 3600 } });
        if (frame.type === 'register')
          this.send((frame.payload.media as { audio?: boolean })?.audio ? 'ready' : 'offline', {});
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  listening(): Promise<void> {
    return new Promise((ready) => {
      if (this.server.address()) ready();
      else this.server.once('listening', () => ready());
    });
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  send(type: string, payload: Record<string, unknown>): void {
    this.socket?.send(JSON.stringify({ type, version: '1.6', payload }));
  }

  /** The first frame of `type` the SDK sent (waiting up to 5 s for it). */
  async frame(type: string, matching: (frame: Frame) => boolean = () => true): Promise<Frame> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const found = this.frames.find((f) => f.type === type && matching(f));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`the SDK sent no ${type} frame`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 250);
      });
    }
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((done) => this.server.close(() => done()));
  }
}

const IDENTITY = `v${'a1'.repeat(12)}`;
/** A token credential (not Asterisk's SIP one), so a test can give it another token provider. */
const credential = (token: string): Extract<BrowserCredential, { token: string }> => ({
  provider: 'twilio',
  identity: IDENTITY,
  token,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
});
const TOKEN_1 = 'eyJhbGciOiJIUzI1NiJ9.eyJmaXJzdCI6MX0.c2lnbmF0dXJlLW9uZQ';
const TOKEN_2 = 'eyJhbGciOiJIUzI1NiJ9.eyJzZWNvbmQiOjJ9.c2lnbmF0dXJlLXR3bw';
const HOTLINE_CALL_ID = '0b5c9a8e-3f2d-4c1b-9a7e-6d5f4e3c2b1a';

const microphoneRequests: MediaStreamConstraints[] = [];

beforeAll(() => {
  const g = globalThis as Record<string, unknown>;
  // Read by the SDK when its modules load: the tests import it only after this.
  g.WebSocket = class extends WebSocket {
    constructor(url: string) {
      super(url.replace(/^wss:/, 'ws:'));
    }
  };
  g.navigator = {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36',
    mediaDevices: {
      getUserMedia: (constraints: MediaStreamConstraints) => {
        microphoneRequests.push(constraints);
        return Promise.reject(new Error('no microphone in this test'));
      },
      enumerateDevices: () => Promise.resolve([]),
      addEventListener() {},
      removeEventListener() {},
    },
  };
  g.window = { RTCPeerConnection: class {}, addEventListener() {}, removeEventListener() {} };
  g.RTCPeerConnection = (g.window as Record<string, unknown>).RTCPeerConnection;
});

let double: SignallingDouble;
let phone: ProviderPhone | null = null;

afterEach(async () => {
  await phone?.unregister().catch(() => undefined);
  phone = null;
  await double?.close();
});

async function twilioPhoneAtDouble(events: Partial<ProviderPhoneEvents> = {}): Promise<ProviderPhone> {
  const { twilioPhoneWith } = await import('../src/lib/calls/provider-phone/twilio.js');
  double = new SignallingDouble(IDENTITY);
  await double.listening();
  const factory = twilioPhoneWith(undefined, { chunderw: double.host, publishEvents: false });
  return factory(credential(TOKEN_1), {
    incoming: events.incoming ?? (() => undefined),
    ended: events.ended ?? (() => undefined),
    error: events.error ?? (() => undefined),
    connected: events.connected ?? (() => undefined),
  });
}

describe('Twilio browser phone (real Voice JS SDK, loopback signalling)', () => {
  it('presents the server-issued token and registers for incoming calls', async () => {
    phone = await twilioPhoneAtDouble();
    await phone.register();
    const listen = await double.frame('listen');
    expect(listen.payload.token).toBe(TOKEN_1);
    const register = await double.frame('register');
    expect(register.payload.media).toEqual({ audio: true });
  });

  it('sends a refreshed token on the open connection', async () => {
    phone = await twilioPhoneAtDouble();
    await phone.register();
    await phone.refresh(credential(TOKEN_2));
    const relisten = await double.frame('listen', (f) => f.payload.token === TOKEN_2);
    expect(relisten.payload.token).toBe(TOKEN_2);
  });

  it('says goodbye (presence off) before closing the connection', async () => {
    phone = await twilioPhoneAtDouble();
    await phone.register();
    await phone.unregister();
    phone = null;
    const goodbye = await double.frame(
      'register',
      (f) => (f.payload.media as { audio?: boolean }).audio === false,
    );
    expect(goodbye.payload.media).toEqual({ audio: false });
  });

  it('refuses another provider’s credential', async () => {
    const { twilioPhoneWith } = await import('../src/lib/calls/provider-phone/twilio.js');
    await expect(
      twilioPhoneWith()(
        { ...credential(TOKEN_1), provider: 'vonage' },
        {
          incoming() {},
          ended() {},
          error() {},
          connected() {},
        },
      ),
    ).rejects.toThrow(/Twilio phone cannot use a vonage credential/);
  });

  it('rings with the hotline call id passed along, and ends when Twilio cancels the leg', async () => {
    const incoming: IncomingProviderCall[] = [];
    const ended: IncomingProviderCall[] = [];
    phone = await twilioPhoneAtDouble({
      incoming: (call) => incoming.push(call),
      ended: (call) => ended.push(call),
    });
    await phone.register();
    double.send('invite', {
      callsid: 'CA00000000000000000000000000000001',
      sdp: 'v=0\r\n',
      parameters: { CallSid: 'CA00000000000000000000000000000001', Params: `callId=${HOTLINE_CALL_ID}` },
    });
    await expect.poll(() => incoming.length).toBe(1);
    expect(incoming[0]?.callId).toBe(HOTLINE_CALL_ID);
    expect(incoming[0]?.provider).toBe('twilio');
    double.send('cancel', { callsid: 'CA00000000000000000000000000000001' });
    await expect.poll(() => ended.length).toBe(1);
    expect(ended[0]).toBe(incoming[0]);
  });

  it('declines a ringing call at Twilio and reports it ended once', async () => {
    const { incoming, ended } = await ringing();
    incoming[0]?.reject();
    const reject = await double.frame('reject');
    expect(reject.payload.callsid).toBe(CALL_SID);
    await expect.poll(() => ended.length).toBe(1);
    double.send('cancel', { callsid: CALL_SID });
    await new Promise((settle) => setTimeout(settle, 50));
    expect(ended).toHaveLength(1);
  });

  it('answers with the chosen microphone', async () => {
    const { incoming } = await ringing();
    microphoneRequests.length = 0;
    await incoming[0]?.accept({ microphoneId: 'headset-7' });
    await expect.poll(() => microphoneRequests.length).toBeGreaterThan(0);
    expect(microphoneRequests[0]?.audio).toEqual({ deviceId: { exact: 'headset-7' } });
  });
});

const CALL_SID = 'CA00000000000000000000000000000002';

async function ringing() {
  const incoming: IncomingProviderCall[] = [];
  const ended: IncomingProviderCall[] = [];
  phone = await twilioPhoneAtDouble({
    incoming: (call) => incoming.push(call),
    ended: (call) => ended.push(call),
  });
  await phone.register();
  double.send('invite', { callsid: CALL_SID, sdp: 'v=0\r\n', parameters: { CallSid: CALL_SID } });
  await expect.poll(() => incoming.length).toBe(1);
  expect(incoming[0]?.callId).toBeNull();
  return { incoming, ended };
}

describe('Twilio call quality for the card', () => {
  it('gives the SDK’s latest sample as the statistics the network indicator reads', async () => {
    const { TwilioSampleStats } = await import('../src/lib/calls/provider-phone/twilio.js');
    const { qualityOf, sampleOf } = await import('../src/lib/calls/network-quality.js');
    const stats = new TwilioSampleStats();
    // Before the first sample there is nothing to read: the indicator waits.
    await expect(stats.getStats()).rejects.toThrow(/no call-quality sample/);
    stats.take({ rtt: 120, jitter: 8, totals: { packetsReceived: 500, packetsLost: 0 } });
    const first = sampleOf((await stats.getStats()).values(), null);
    expect(first.sample).toEqual({ roundTripSeconds: 0.12, jitterSeconds: 0.008, lossRatio: 0 });
    expect(qualityOf(first.sample)).toBe('good');
    // Milliseconds and running totals, as Twilio gives them: 40 of the next 200 packets lost.
    stats.take({ rtt: 450, jitter: 20, totals: { packetsReceived: 660, packetsLost: 40 } });
    const next = sampleOf((await stats.getStats()).values(), first.counts);
    expect(next.sample).toEqual({ roundTripSeconds: 0.45, jitterSeconds: 0.02, lossRatio: 0.2 });
    expect(qualityOf(next.sample)).toBe('poor');
  });
});
