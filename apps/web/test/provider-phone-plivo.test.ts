import { EventEmitter } from 'node:events';
import type { BrowserCredential } from '@llamenos/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PlivoSdkClient, plivoPhoneWith } from '../src/lib/calls/provider-phone/plivo.js';
import type { IncomingProviderCall, ProviderPhoneEvents } from '../src/lib/calls/provider-phone/types.js';

/**
 * The Plivo browser phone's mapping, tested with a client double of the SDK's shape
 * (`PlivoSdkClient`, picked from plivo-browser-sdk 2.2.21's own declarations): the real SDK
 * does not load outside a browser (it touches window and document as it loads) and always
 * reaches Plivo's own SIP servers. The double emits the SDK's events with its arguments
 * (onIncomingCall: caller, extra headers, call info) and records what the adapter asks.
 */

const IDENTITY = `v${'c3'.repeat(12)}`;
const TOKEN_1 = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmaXJzdCJ9.c2lnbmF0dXJlLW9uZQ';
const TOKEN_2 = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNvbmQifQ.c2lnbmF0dXJlLXR3bw';
const HOTLINE_CALL_ID = '5f1e2d3c-4b5a-4697-8877-665544332211';
const credential = (token: string, provider: BrowserCredential['provider'] = 'plivo') =>
  ({
    provider,
    identity: IDENTITY,
    token,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  }) as BrowserCredential;

class PlivoClientDouble extends EventEmitter {
  readonly asked: string[] = [];
  generator: { getAccessToken(): Promise<string> } | null = null;
  /** What the next login does: Plivo accepts, refuses, or never answers. */
  loginOutcome: 'accept' | 'refuse' | 'silent' = 'accept';
  ringTone = true;
  connectTone = true;
  microphone: string | null = null;
  speaker: string | null = null;
  audio = {
    speakerDevices: {
      set: (id: string) => {
        this.speaker = id;
      },
    },
    microphoneDevices: {
      set: (id: string) => {
        this.microphone = id;
      },
      reset: () => {
        this.microphone = null;
      },
    },
  };
  loginWithAccessTokenGenerator(generator: { getAccessToken(): Promise<string> }) {
    this.generator = generator;
    void generator.getAccessToken().then((token) => {
      this.asked.push(`login ${token}`);
      if (this.loginOutcome === 'accept') this.emit('onLogin');
      if (this.loginOutcome === 'refuse') this.emit('onLoginFailed', 'INVALID_ACCESS_TOKEN');
    });
    return true;
  }
  logout() {
    this.asked.push('logout');
    return true;
  }
  answer(uuid: string, others: string) {
    this.asked.push(`answer ${uuid} ${others} mic=${this.microphone ?? 'default'}`);
    return true;
  }
  reject(uuid: string) {
    this.asked.push(`reject ${uuid}`);
    return true;
  }
  hangup() {
    this.asked.push('hangup');
    return true;
  }
  mute() {
    this.asked.push('mute');
    return true;
  }
  unmute() {
    this.asked.push('unmute');
    return true;
  }
  sendDtmf(digit: string) {
    this.asked.push(`dtmf ${digit}`);
  }
  setRingTone(value: boolean) {
    this.ringTone = value;
    return true;
  }
  setConnectTone(value: boolean) {
    this.connectTone = value;
    return true;
  }
  pc: unknown = null;
  getPeerConnection() {
    return { status: 'success', pc: this.pc };
  }
  ring(uuid: string, headers: Record<string, string> = {}) {
    this.emit(
      'onIncomingCall',
      `${IDENTITY}@phone.plivo.com`,
      headers,
      { callUUID: uuid, extraHeaders: headers },
      '',
    );
  }
}

const options: unknown[] = [];

async function phoneWithDouble(client = new PlivoClientDouble()) {
  const incoming: IncomingProviderCall[] = [];
  const ended: IncomingProviderCall[] = [];
  const connected: IncomingProviderCall[] = [];
  const errors: Error[] = [];
  const events: ProviderPhoneEvents = {
    incoming: (call) => incoming.push(call),
    ended: (call) => ended.push(call),
    error: (error) => errors.push(error),
    connected: (call) => connected.push(call),
  };
  const phone = await plivoPhoneWith(async () => ({
    default: class {
      client = client as unknown as PlivoSdkClient;
      constructor(given: unknown) {
        options.push(given);
      }
    },
  }))(credential(TOKEN_1), events);
  return { phone, client, incoming, ended, connected, errors };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  options.length = 0;
});

describe('Plivo browser phone: mapping (SDK-shaped client double)', () => {
  it('logs in with the issued token, with Plivo’s tracking and own ringtone off', async () => {
    const t = await phoneWithDouble();
    await t.phone.register();
    expect(t.client.asked).toEqual([`login ${TOKEN_1}`]);
    expect(options[0]).toMatchObject({
      enableTracking: false,
      enableQualityTracking: 'NONE',
      permOnClick: true,
    });
    expect(t.client.ringTone).toBe(false);
    expect(t.client.connectTone).toBe(false);
  });

  it('fails registration when Plivo refuses the token', async () => {
    const client = new PlivoClientDouble();
    client.loginOutcome = 'refuse';
    const t = await phoneWithDouble(client);
    await expect(t.phone.register()).rejects.toThrow('Plivo login failed: INVALID_ACCESS_TOKEN');
  });

  it('gives up a login Plivo never answers', async () => {
    vi.useFakeTimers();
    const client = new PlivoClientDouble();
    client.loginOutcome = 'silent';
    const t = await phoneWithDouble(client);
    const registering = expect(t.phone.register()).rejects.toThrow('Plivo login timed out');
    await vi.advanceTimersByTimeAsync(15_000);
    await registering;
  });

  it('hands the SDK the refreshed token when it asks for one', async () => {
    const t = await phoneWithDouble();
    await t.phone.register();
    await t.phone.refresh(credential(TOKEN_2));
    expect(await t.client.generator?.getAccessToken()).toBe(TOKEN_2);
    expect(t.client.asked).toEqual([`login ${TOKEN_1}`]);
  });

  it('surfaces a lost login after registration as an error', async () => {
    const t = await phoneWithDouble();
    await t.phone.register();
    t.client.emit('onLoginFailed', 'ACCESS_TOKEN_EXPIRED');
    expect(t.errors.map((e) => e.message)).toEqual(['Plivo login failed: ACCESS_TOKEN_EXPIRED']);
  });

  it('rings with the hotline call id from the X-PH header, and ends once when cancelled', async () => {
    const t = await phoneWithDouble();
    await t.phone.register();
    // As the server sends it (telephony/plivo/rest.ts): the UUID without hyphens, letters and digits only.
    t.client.ring('uuid-1', { 'X-Ph-Callid': HOTLINE_CALL_ID.replaceAll('-', '').toUpperCase() });
    t.client.ring('uuid-2', { 'X-PH-callId': 'not-a-call-id' });
    expect(t.incoming.map((c) => c.callId)).toEqual([HOTLINE_CALL_ID, null]);
    t.client.emit('onIncomingCallCanceled', { callUUID: 'uuid-1' });
    t.client.emit('onCallFailed', 'Canceled', { callUUID: 'uuid-1' });
    expect(t.ended).toEqual([t.incoming[0]]);
  });

  it('answers with the chosen microphone and sends no key (a browser leg is not screened); mutes and hangs up', async () => {
    vi.useFakeTimers();
    const t = await phoneWithDouble();
    t.client.ring('uuid-3');
    const call = t.incoming[0];
    await call?.accept({ microphoneId: 'headset-2' });
    await vi.advanceTimersByTimeAsync(2_000);
    call?.mute(true);
    call?.mute(false);
    call?.hangUp();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.client.asked).toEqual(['answer uuid-3 reject mic=headset-2', 'mute', 'unmute', 'hangup']);
    t.client.emit('onCallTerminated', { originator: 'local', reason: 'Terminated' }, { callUUID: 'uuid-3' });
    expect(t.ended).toEqual([call]);
  });

  it('says the audio is up on Plivo’s onMediaConnected, then gives its connection’s statistics and both sides', async () => {
    vi.stubGlobal(
      'MediaStream',
      class {
        constructor(private readonly tracks: MediaStreamTrack[]) {}
        getAudioTracks() {
          return this.tracks;
        }
      },
    );
    const t = await phoneWithDouble();
    const mic = { kind: 'audio', id: 'mic' } as MediaStreamTrack;
    const voice = { kind: 'audio', id: 'caller' } as MediaStreamTrack;
    t.client.pc = {
      getSenders: () => [{ track: mic }],
      getReceivers: () => [{ track: voice }],
      getStats: async () => new Map(),
    };
    t.client.ring('uuid-11');
    const call = t.incoming[0]!;
    // Not answered: the connection (the SDK's current one) is not this call's.
    expect(call.statsSource()).toBeNull();
    await call.accept({});
    t.client.emit('onMediaConnected', { callUUID: 'uuid-12' });
    expect(t.connected).toEqual([]);
    t.client.emit('onMediaConnected', { callUUID: 'uuid-11' });
    expect(t.connected).toEqual([call]);
    expect(call.statsSource()).toBe(t.client.pc);
    expect(call.localStream()?.getAudioTracks()).toEqual([mic]);
    expect(call.remoteStream()?.getAudioTracks()).toEqual([voice]);
  });

  it('plays the caller on the speaker chosen in My settings', async () => {
    const stored = JSON.stringify({ inputId: null, outputId: 'desk-speaker' });
    vi.stubGlobal('localStorage', {
      getItem: (key: string) => (key === 'llamenos.audioDevices' ? stored : null),
    });
    const t = await phoneWithDouble();
    t.client.ring('uuid-8');
    await t.incoming[0]?.accept({});
    expect(t.client.speaker).toBe('desk-speaker');
  });

  it('answers with the default microphone when none is chosen', async () => {
    const client = new PlivoClientDouble();
    client.microphone = 'left-over';
    const t = await phoneWithDouble(client);
    t.client.ring('uuid-4');
    await t.incoming[0]?.accept({});
    expect(t.client.asked[0]).toBe('answer uuid-4 reject mic=default');
  });

  it('declines a ringing call, also when hung up before answering', async () => {
    const t = await phoneWithDouble();
    t.client.ring('uuid-5');
    t.client.ring('uuid-6');
    t.incoming[0]?.reject();
    t.incoming[1]?.hangUp();
    expect(t.client.asked).toEqual(['reject uuid-5', 'reject uuid-6']);
  });

  it('logs out and leaves no listener on the shared client', async () => {
    const t = await phoneWithDouble();
    await t.phone.register();
    await t.phone.unregister();
    expect(t.client.asked).toContain('logout');
    t.client.ring('uuid-7');
    expect(t.incoming).toHaveLength(0);
    expect(t.client.eventNames()).toEqual([]);
  });

  it('refuses another provider’s credential', async () => {
    await expect(
      plivoPhoneWith(async () => {
        throw new Error('not loaded');
      })(credential(TOKEN_1, 'twilio'), { incoming() {}, ended() {}, error() {}, connected() {} }),
    ).rejects.toThrow(/Plivo phone cannot use a twilio credential/);
  });
});
