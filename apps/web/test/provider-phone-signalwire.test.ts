import type { BrowserCredential } from '@llamenos/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import {
  type SignalWireSdkCall,
  type SignalWireSdkSession,
  signalWirePhoneWith,
} from '../src/lib/calls/provider-phone/signalwire.js';
import type {
  IncomingProviderCall,
  ProviderPhone,
  ProviderPhoneEvents,
} from '../src/lib/calls/provider-phone/types.js';
import { BLADE_PROTOCOL, BladeDouble } from './provider-phone-signalwire-blade.js';

/**
 * The SignalWire browser phone, two ways:
 * - the REAL RELAY browser SDK (`@signalwire/js` 1.5.0) against a loopback double of SignalWire's
 *   Blade socket (its `host` option): `blade.connect` with the project and the JWT, the session's
 *   setup and its notifications subscription (after which the SDK is ready), `blade.reauthenticate`
 *   with a new JWT, and Verto invites and byes relayed as `blade.broadcast` (ringing, the caller
 *   hanging up, the volunteer declining);
 * - the answered call (microphone, speaker, mute, hang up, statistics) with a session double of
 *   the SDK's shape (`SignalWireSdkSession`, `SignalWireSdkCall`, type-checked against the SDK's
 *   declarations): answering with the real SDK needs WebRTC, which Node has not.
 */

const IDENTITY = `v${'c3'.repeat(12)}`;
const PROJECT = '9f3b0d4e-3c1e-4b8a-9f77-0c2b1a6b5d4e';
const TOKEN_1 = 'eyJhbGciOiJSUzI1NiJ9.eyJyIjoiZmlyc3QifQ.c2lnbmF0dXJlLW9uZQ';
const TOKEN_2 = 'eyJhbGciOiJSUzI1NiJ9.eyJyIjoic2Vjb25kIn0.c2lnbmF0dXJlLXR3bw';

const credential = (token: string, project = PROJECT): BrowserCredential => ({
  provider: 'signalwire',
  identity: IDENTITY,
  token,
  project,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
});

interface Recorded {
  incoming: IncomingProviderCall[];
  ended: IncomingProviderCall[];
  connected: IncomingProviderCall[];
  errors: Error[];
}

function recordingEvents(): Recorded & { events: ProviderPhoneEvents } {
  const seen: Recorded = { incoming: [], ended: [], connected: [], errors: [] };
  return {
    ...seen,
    events: {
      incoming: (c) => seen.incoming.push(c),
      ended: (c) => seen.ended.push(c),
      connected: (c) => seen.connected.push(c),
      error: (e) => seen.errors.push(e),
    },
  };
}

/**
 * The SDK as the app loads it. Node 20 has no WebSocket of its own and the SDK takes the global one
 * when its module loads, so `ws` stands in; in Node its CommonJS build exports through `default`.
 */
async function realSdk() {
  vi.stubGlobal('WebSocket', WebSocket);
  const sdk = (await import('@signalwire/js')) as typeof import('@signalwire/js') & {
    default?: typeof import('@signalwire/js');
  };
  return sdk.Relay ? sdk : (sdk.default as typeof import('@signalwire/js'));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`waited in vain for ${what}`);
}

let double: BladeDouble | null = null;
let phone: ProviderPhone | null = null;

afterEach(async () => {
  await phone?.unregister().catch(() => undefined);
  phone = null;
  await double?.close();
  double = null;
  vi.useRealTimers();
});

describe('SignalWire browser phone (real RELAY SDK 1.x, loopback Blade socket)', () => {
  async function phoneAtDouble(events: ProviderPhoneEvents = recordingEvents().events) {
    double = new BladeDouble();
    const host = await double.listen();
    return signalWirePhoneWith(realSdk, { host })(credential(TOKEN_1), events);
  }

  it('connects with the project and the server-issued JWT, and is ready once subscribed to its notifications', async () => {
    phone = await phoneAtDouble();
    await phone.register();
    expect(double?.methods()).toEqual(['blade.connect', 'blade.execute', 'blade.subscription']);
    const [connect, setup, subscription] = double?.requests ?? [];
    expect(connect?.params).toMatchObject({
      version: { major: 2 },
      authentication: { project: PROJECT, jwt_token: TOKEN_1 },
    });
    expect(connect?.params?.authentication).toEqual({ project: PROJECT, jwt_token: TOKEN_1 });
    expect(setup?.params).toMatchObject({ protocol: 'signalwire', method: 'setup' });
    expect(subscription?.params).toMatchObject({
      command: 'add',
      protocol: BLADE_PROTOCOL,
      channels: ['notifications'],
    });
  });

  it('reauthenticates the open session with the new JWT (no second connect)', async () => {
    phone = await phoneAtDouble();
    await phone.register();
    await phone.refresh(credential(TOKEN_2));
    expect(double?.methods().filter((m) => m === 'blade.connect')).toHaveLength(1);
    const reauth = double?.requests.find((r) => r.method === 'blade.reauthenticate');
    expect(reauth?.params).toEqual({
      sessionid: 'sess-1',
      authentication: { project: PROJECT, jwt_token: TOKEN_2 },
    });
  });

  it('fails the refresh when SignalWire refuses the new JWT', async () => {
    const seen = recordingEvents();
    phone = await phoneAtDouble(seen.events);
    await phone.register();
    double?.refuse.add('blade.reauthenticate');
    await expect(phone.refresh(credential(TOKEN_2))).rejects.toThrow(
      /SignalWire session failed: Authentication/,
    );
    // The app hears of it through refresh's failure (it unregisters and asks again), not twice.
    expect(seen.errors).toEqual([]);
  });

  it('fails the registration when SignalWire refuses the JWT', async () => {
    double = new BladeDouble();
    double.refuse.add('blade.connect');
    const host = await double.listen();
    phone = await signalWirePhoneWith(realSdk, { host })(credential(TOKEN_1), recordingEvents().events);
    await expect(phone.register()).rejects.toThrow(/SignalWire session failed: Authentication/);
  });

  it('rings for a Verto invite without a hotline call id, and ends once when the caller hangs up', async () => {
    const seen = recordingEvents();
    phone = await phoneAtDouble(seen.events);
    await phone.register();
    double?.invite('leg-1', IDENTITY);
    await until(() => seen.incoming.length === 1, 'the incoming call');
    expect(seen.incoming[0]?.provider).toBe('signalwire');
    expect(seen.incoming[0]?.callId).toBeNull();
    // The SDK acknowledges the invite to the call's node.
    await until(() => double?.verto().some((m) => 'result' in m) ?? false, 'the invite acknowledged');
    double?.bye('leg-1');
    await until(() => seen.ended.length === 1, 'the end of the call');
    expect(seen.ended).toEqual([seen.incoming[0]]);
    expect(double?.verto().filter((m) => m.method === 'verto.bye')).toEqual([]);
  });

  it('declines a ringing call with a Verto bye for that call, and says it ended once', async () => {
    const seen = recordingEvents();
    phone = await phoneAtDouble(seen.events);
    await phone.register();
    double?.invite('leg-2', IDENTITY);
    await until(() => seen.incoming.length === 1, 'the incoming call');
    seen.incoming[0]?.reject();
    await until(() => double?.verto().some((m) => m.method === 'verto.bye') ?? false, 'the bye');
    const bye = double?.verto().find((m) => m.method === 'verto.bye');
    expect(bye?.params).toMatchObject({ sessid: 'sess-1', dialogParams: { callID: 'leg-2' } });
    await until(() => seen.ended.length === 1, 'the end of the call');
    double?.bye('leg-2');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.ended).toHaveLength(1);
  });

  it('refuses another provider’s credential before loading the SDK', async () => {
    const load = vi.fn(realSdk);
    await expect(
      signalWirePhoneWith(load)(
        { provider: 'vonage', identity: IDENTITY, token: TOKEN_1, expiresAt: new Date().toISOString() },
        recordingEvents().events,
      ),
    ).rejects.toThrow(/SignalWire phone cannot use a vonage credential/);
    expect(load).not.toHaveBeenCalled();
  });
});

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

/** A stand-in for the page's audio element: what it plays, and on which speaker. */
class Player {
  static last: Player | null = null;
  srcObject: unknown = null;
  playing = false;
  sinkId = '';
  constructor() {
    Player.last = this;
  }
  async play() {
    this.playing = true;
  }
  pause() {
    this.playing = false;
  }
  async setSinkId(id: string) {
    this.sinkId = id;
  }
}

/**
 * A session double of the SDK's shape and calls of the SDK's call shape: the test moves a call
 * through the SDK's states by firing its `callUpdate` notifications.
 */
function sessionDouble() {
  const handlers = new Map<string, (payload: unknown) => void>();
  const session = {
    options: { project: PROJECT, token: TOKEN_1 },
    __logger: { setLevel: vi.fn() },
    expired: false,
    connect: vi.fn(async () => {
      queueMicrotask(() => handlers.get('signalwire.ready')?.(session));
    }),
    disconnect: vi.fn(async () => undefined),
    refreshToken: vi.fn(async (token: string) => {
      session.options.token = token;
    }),
    on: vi.fn((event: string, handler: (payload: unknown) => void) => {
      handlers.set(event, handler);
      return session;
    }),
    off: vi.fn((event: string) => {
      handlers.delete(event);
      return session;
    }),
  };
  const fire = (event: string, payload?: unknown) => handlers.get(event)?.(payload);
  const asked: string[] = [];
  const makeCall = (id: string) => {
    const call = {
      id,
      state: 'new',
      options: {} as SignalWireSdkCall['options'],
      // The SDK declares it always there; it is undefined until the answer creates it.
      peer: undefined as unknown as SignalWireSdkCall['peer'],
      answer: vi.fn(() => void asked.push(`answer ${id}`)),
      hangup: vi.fn(() => {
        asked.push(`hangup ${id}`);
        move(call, 'hangup');
      }),
      muteAudio: vi.fn(() => void asked.push(`mute ${id}`)),
      unmuteAudio: vi.fn(() => void asked.push(`unmute ${id}`)),
    };
    return call as typeof call & SignalWireSdkCall;
  };
  const move = (call: SignalWireSdkCall & { state: string }, state: string) => {
    call.state = state;
    fire('signalwire.notification', { type: 'callUpdate', call });
  };
  return { session: session as typeof session & SignalWireSdkSession, handlers, fire, asked, makeCall, move };
}

async function phoneWithDouble() {
  const t = sessionDouble();
  const seen = recordingEvents();
  const made = await signalWirePhoneWith(async () => ({
    Relay: function sdkSession() {
      return t.session;
    } as never,
  }))(credential(TOKEN_1), seen.events);
  await made.register();
  return { ...t, ...seen, phone: made };
}

describe('SignalWire browser phone: the answered call (SDK-shaped session double)', () => {
  function withMedia(mic = { kind: 'audio', id: 'mic', enabled: true, stop: vi.fn() }) {
    vi.stubGlobal('MediaStream', TrackList);
    vi.stubGlobal('Audio', Player);
    const getUserMedia = vi.fn(async (_constraints: MediaStreamConstraints) => new TrackList([mic as never]));
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
    return { mic, getUserMedia };
  }

  afterEach(() => {
    vi.unstubAllGlobals();
    Player.last = null;
  });

  it('answers with the chosen microphone, says the audio is up once active, and gives its connection and both sides', async () => {
    const { mic, getUserMedia } = withMedia();
    const t = await phoneWithDouble();
    const leg = t.makeCall('leg-7');
    t.move(leg, 'ringing');
    const call = t.incoming[0]!;
    expect(call.callId).toBeNull();
    expect(call.localStream()).toBeNull();
    const answered = call.accept({ microphoneId: 'usb-headset' });
    await until(() => t.asked.includes('answer leg-7'), 'the answer');
    expect(getUserMedia).toHaveBeenCalledWith({
      audio: {
        deviceId: { exact: 'usb-headset' },
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      },
    });
    // The SDK sends the stream it is given instead of opening the default microphone.
    expect(leg.options.localStream?.getAudioTracks()).toEqual([mic]);
    expect(t.connected).toEqual([]);
    const pc = { getStats: async () => new Map() } as unknown as RTCPeerConnection;
    const voice = new TrackList([
      { kind: 'audio', id: 'caller' } as MediaStreamTrack,
    ]) as unknown as MediaStream;
    leg.peer = { instance: pc } as SignalWireSdkCall['peer'];
    leg.options.remoteStream = voice;
    t.move(leg, 'answering');
    expect(t.connected).toEqual([]);
    t.move(leg, 'active');
    await answered;
    expect(t.connected).toEqual([call]);
    expect(call.statsSource()).toBe(pc);
    expect(call.remoteStream()).toBe(voice);
    expect(call.localStream()?.getAudioTracks()).toEqual([mic]);
    // The caller plays on the page (the SDK plays nothing without an element of its own).
    await until(() => Player.last?.playing === true, 'the caller playing');
    expect(Player.last?.srcObject).toBe(voice);
  });

  it('mutes and unmutes through the SDK and hangs up the answered call with a bye', async () => {
    withMedia();
    const t = await phoneWithDouble();
    const leg = t.makeCall('leg-8');
    t.move(leg, 'ringing');
    const call = t.incoming[0]!;
    const answered = call.accept({});
    await until(() => t.asked.includes('answer leg-8'), 'the answer');
    leg.options.remoteStream = new TrackList([]) as unknown as MediaStream;
    t.move(leg, 'active');
    await until(() => Player.last?.playing === true, 'the caller playing');
    await answered;
    call.mute(true);
    call.mute(false);
    call.hangUp();
    expect(t.asked).toEqual(['answer leg-8', 'mute leg-8', 'unmute leg-8', 'hangup leg-8']);
    // The end is told a moment later (a re-attached call's old object ends the same way).
    expect(t.ended).toEqual([]);
    await Promise.resolve();
    expect(t.ended).toEqual([call]);
    expect(Player.last?.playing).toBe(false);
  });

  it('answers muted when muted while ringing (the microphone track starts disabled)', async () => {
    const { mic } = withMedia();
    const t = await phoneWithDouble();
    const leg = t.makeCall('leg-9');
    t.move(leg, 'ringing');
    const call = t.incoming[0]!;
    call.mute(true);
    const answered = call.accept({});
    await until(() => t.asked.includes('answer leg-9'), 'the answer');
    expect(mic.enabled).toBe(false);
    t.move(leg, 'active');
    await answered;
  });

  it('fails the answer when the call ends before it is up', async () => {
    withMedia();
    const t = await phoneWithDouble();
    const leg = t.makeCall('leg-10');
    t.move(leg, 'ringing');
    const call = t.incoming[0]!;
    const answered = call.accept({});
    await until(() => t.asked.includes('answer leg-10'), 'the answer');
    t.move(leg, 'hangup');
    await expect(answered).rejects.toThrow(/ended before it was answered/);
    t.move(leg, 'destroy');
    expect(t.ended).toEqual([call]);
    expect(t.connected).toEqual([]);
  });

  it('declines the leg when no microphone can be opened', async () => {
    vi.stubGlobal('navigator', {
      mediaDevices: { getUserMedia: vi.fn(async () => Promise.reject(new Error('NotAllowedError'))) },
    });
    const t = await phoneWithDouble();
    const leg = t.makeCall('leg-11');
    t.move(leg, 'ringing');
    await expect(t.incoming[0]!.accept({})).rejects.toThrow(/no microphone/);
    expect(t.asked).toEqual(['hangup leg-11']);
    expect(t.ended).toEqual([t.incoming[0]]);
  });

  it('declines a ringing call, and hanging up one not answered declines it', async () => {
    const t = await phoneWithDouble();
    const first = t.makeCall('leg-12');
    const second = t.makeCall('leg-13');
    t.move(first, 'ringing');
    t.move(second, 'ringing');
    t.incoming[0]?.reject();
    t.incoming[1]?.hangUp();
    expect(t.asked).toEqual(['hangup leg-12', 'hangup leg-13']);
    await Promise.resolve();
    expect(t.ended).toEqual(t.incoming);
  });

  it('surfaces a session error once registered, and opens a lost session again at the next refresh', async () => {
    const t = await phoneWithDouble();
    t.fire('signalwire.error', { message: 'Authentication failed' });
    expect(t.errors.map((e) => e.message)).toEqual(['SignalWire session failed: Authentication failed']);
    t.fire('signalwire.socket.close', { type: 'close' });
    await t.phone.refresh(credential(TOKEN_2));
    expect(t.session.refreshToken).not.toHaveBeenCalled();
    expect(t.session.options.token).toBe(TOKEN_2);
    expect(t.session.connect).toHaveBeenCalledTimes(2);
    await t.phone.refresh(credential(TOKEN_1));
    expect(t.session.refreshToken).toHaveBeenCalledWith(TOKEN_1);
  });

  it('carries an answered call on when SignalWire re-attaches it: same microphone, still muted, no end', async () => {
    withMedia();
    const t = await phoneWithDouble();
    const old = t.makeCall('leg-15');
    t.move(old, 'ringing');
    const call = t.incoming[0]!;
    const answered = call.accept({ microphoneId: 'usb-headset' });
    await until(() => t.asked.includes('answer leg-15'), 'the answer');
    t.move(old, 'active');
    await answered;
    call.mute(true);
    // What the SDK does on `verto.attach`, in one turn: the old object is hung up without a bye
    // and destroyed, a new one with the same id is made (state "new", `attach`) and answered.
    t.move(old, 'hangup');
    t.move(old, 'destroy');
    const recovered = t.makeCall('leg-15');
    recovered.options.attach = true;
    t.move(recovered, 'new');
    expect(recovered.options.micId).toBe('usb-headset');
    recovered.answer();
    t.move(recovered, 'answering');
    t.move(recovered, 'active');
    await Promise.resolve();
    expect(t.ended).toEqual([]);
    expect(t.connected).toEqual([call, call]);
    call.mute(false);
    call.hangUp();
    // Muted again before the new answer went out; then the volunteer's controls reach the new object.
    expect(t.asked.slice(-4)).toEqual(['answer leg-15', 'mute leg-15', 'unmute leg-15', 'hangup leg-15']);
    expect(recovered.hangup).toHaveBeenCalledTimes(1);
    expect(old.hangup).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(t.ended).toEqual([call]);
  });

  it('does not take a re-attached object for a call it never answered', async () => {
    const t = await phoneWithDouble();
    const old = t.makeCall('leg-16');
    t.move(old, 'ringing');
    t.move(old, 'hangup');
    const stray = t.makeCall('leg-16');
    stray.options.attach = true;
    t.move(stray, 'new');
    await Promise.resolve();
    expect(t.ended).toEqual([t.incoming[0]]);
  });

  it('gives up a reauthentication the SDK never finishes, so the app starts over', async () => {
    const t = await phoneWithDouble();
    vi.useFakeTimers();
    t.session.refreshToken.mockImplementation(() => new Promise<void>(() => undefined));
    const refreshing = t.phone.refresh(credential(TOKEN_2));
    const failed = expect(refreshing).rejects.toThrow(/reauthentication timed out/);
    await vi.advanceTimersByTimeAsync(15_000);
    await failed;
    expect(t.session.refreshToken).toHaveBeenCalledWith(TOKEN_2);
  });

  it('starts over when the session expired before the refresh (the SDK would do nothing)', async () => {
    const t = await phoneWithDouble();
    t.session.expired = true;
    await expect(t.phone.refresh(credential(TOKEN_2))).rejects.toThrow(/session expired/);
    expect(t.session.refreshToken).not.toHaveBeenCalled();
  });

  it('keeps the SDK’s log to errors (its debug level logs the JWT and the caller’s number)', async () => {
    const t = await phoneWithDouble();
    expect(t.session.__logger.setLevel).toHaveBeenCalledWith('error', false);
  });

  it('hangs up what is live, removes its handlers and disconnects when unregistered', async () => {
    const t = await phoneWithDouble();
    t.move(t.makeCall('leg-14'), 'ringing');
    await t.phone.unregister();
    expect(t.asked).toEqual(['hangup leg-14']);
    expect([...t.handlers.keys()]).toEqual([]);
    expect(t.session.disconnect).toHaveBeenCalledTimes(1);
  });
});
