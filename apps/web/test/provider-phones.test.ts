/**
 * The providers' browser phones of a tab (lib/calls/provider-phone/index.ts): what the app does
 * with the credential route's answers (nothing on 204, a notice on 409 and 503), one phone per
 * credential built through the provider's module, the refresh before expiry, and a ringing leg
 * answered, rejected or hung up as the hotline call goes. The phones are stand-ins here; the
 * JsSIP phone itself is tested in Chromium (e2e/sip-phone.spec.ts).
 */
import type { BrowserCredential, BrowserCredentialsResponse } from '@llamenos/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiRequestError } from '../src/lib/api/index.js';
import { ProviderPhones, type ProviderPhonesDeps } from '../src/lib/calls/provider-phone/index.js';
import type {
  IncomingProviderCall,
  ProviderPhone,
  ProviderPhoneEvents,
} from '../src/lib/calls/provider-phone/types.js';

const IDENTITY = `v${'a'.repeat(24)}`;
const credential = (password: string, expiresInMs = 3600_000): BrowserCredential => ({
  provider: 'asterisk',
  identity: IDENTITY,
  webSocketUrl: 'wss://pbx.example.org:8089/ws',
  sipUri: `sip:${IDENTITY}@pbx.example.org`,
  username: IDENTITY,
  password,
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
});

class FakeCall implements IncomingProviderCall {
  readonly provider = 'asterisk' as const;
  log: string[] = [];
  constructor(readonly callId: string | null) {}
  async accept(options: { microphoneId?: string }) {
    this.log.push(`accept ${options.microphoneId ?? 'default'}`);
  }
  reject() {
    this.log.push('reject');
  }
  hangUp() {
    this.log.push('hangUp');
  }
  mute(muted: boolean) {
    this.log.push(`mute ${muted}`);
  }
  readonly mic = { id: 'mic' } as unknown as MediaStream;
  readonly voice = { id: 'voice' } as unknown as MediaStream;
  readonly stats = { getStats: async () => new Map() as unknown as RTCStatsReport };
  remoteStream() {
    return this.voice;
  }
  localStream() {
    return this.mic;
  }
  statsSource() {
    return this.stats;
  }
}

class FakePhone implements ProviderPhone {
  readonly provider = 'asterisk' as const;
  log: string[] = [];
  failRegister = false;
  constructor(
    public credential: BrowserCredential,
    readonly events: ProviderPhoneEvents,
  ) {}
  async register() {
    this.log.push('register');
    if (this.failRegister) throw new Error('registration: Forbidden');
  }
  async refresh(credential: BrowserCredential) {
    this.log.push('refresh');
    this.credential = credential;
  }
  async unregister() {
    this.log.push('unregister');
  }
}

let answers: (() => Promise<BrowserCredentialsResponse | null>)[];
let built: FakePhone[];
let failNextRegister: boolean;
let phones: ProviderPhones;
let loads: number;

function deps(): ProviderPhonesDeps {
  return {
    fetchCredentials: () => (answers.shift() ?? (async () => null))(),
    modules: {
      asterisk: async () => {
        loads += 1;
        return {
          createProviderPhone: async (c, events) => {
            const phone = new FakePhone(c, events);
            phone.failRegister = failNextRegister;
            failNextRegister = false;
            built.push(phone);
            return phone;
          },
        };
      },
    },
    now: () => Date.now(),
  };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  answers = [];
  built = [];
  loads = 0;
  failNextRegister = false;
  phones = new ProviderPhones(deps());
});
afterEach(async () => {
  await phones.stop();
  vi.useRealTimers();
});

describe('provider phones', () => {
  it('loads nothing when no provider of the hotline rings browsers (the route’s empty 204)', async () => {
    answers.push(async () => null);
    phones.start();
    await settle();
    expect(loads).toBe(0);
    expect(phones.current()).toMatchObject({ registered: [], notice: null });
  });

  it('says why on 409 (not fully configured: no retry) and 503 (tries again later)', async () => {
    answers.push(async () => {
      throw new ApiRequestError(409, 'conflict', 'browser calling is not fully configured');
    });
    phones.start();
    await settle();
    expect(phones.current().notice).toBe('not-configured');
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(answers).toHaveLength(0);
    await phones.stop();

    answers.push(
      async () => {
        throw new ApiRequestError(503, 'unavailable', 'try again');
      },
      async () => ({ credentials: [credential('1'.repeat(32))] }),
    );
    phones.start();
    await settle();
    expect(phones.current().notice).toBe('unavailable');
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(phones.current()).toMatchObject({ notice: null, registered: ['asterisk'] });
  });

  it('registers one phone per credential and hands it the new credential before expiry', async () => {
    answers.push(
      async () => ({ credentials: [credential('1'.repeat(32))] }),
      async () => ({ credentials: [credential('2'.repeat(32))] }),
    );
    phones.start();
    await settle();
    expect(built).toHaveLength(1);
    expect(built[0]!.log).toEqual(['register']);
    expect(phones.current().registered).toEqual(['asterisk']);
    // An hour's credential: asked again five minutes before it expires, into the same phone.
    await vi.advanceTimersByTimeAsync(54 * 60_000);
    expect(built[0]!.log).toEqual(['register']);
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(built).toHaveLength(1);
    expect(built[0]!.log).toEqual(['register', 'refresh']);
    expect(built[0]!.credential).toMatchObject({ password: '2'.repeat(32) });
    await phones.stop();
    expect(built[0]!.log.at(-1)).toBe('unregister');
    expect(phones.current().registered).toEqual([]);
  });

  it('a refused registration is a notice; the phone is dropped and built again on the next try', async () => {
    failNextRegister = true;
    answers.push(
      async () => ({ credentials: [credential('1'.repeat(32))] }),
      async () => ({ credentials: [credential('2'.repeat(32))] }),
    );
    phones.start();
    await settle();
    expect(phones.current()).toMatchObject({ notice: 'registration', registered: [] });
    expect(built[0]!.log).toEqual(['register', 'unregister']);
    phones.retry();
    await settle();
    expect(built).toHaveLength(2);
    expect(phones.current()).toMatchObject({ notice: null, registered: ['asterisk'] });
  });

  it('answers the ringing leg of the card, with the chosen microphone; ending the call hangs it up', async () => {
    answers.push(async () => ({ credentials: [credential('1'.repeat(32))] }));
    phones.start();
    await settle();
    expect(phones.rings('asterisk')).toBe(true);
    expect(phones.rings('twilio')).toBe(false);
    const call = new FakeCall('call-1');
    built[0]!.events.incoming(call);
    // Another hotline call's card does not pick this leg up.
    expect(await phones.answer('call-2', 'asterisk', 0)).toBe(false);
    expect(await phones.answer('call-1', 'asterisk', 0)).toBe(true);
    expect(call.log).toEqual(['accept default']);
    phones.setMuted(true);
    phones.end('call-2');
    expect(call.log).toEqual(['accept default', 'mute true']);
    phones.end('call-1');
    expect(call.log).toEqual(['accept default', 'mute true', 'hangUp']);
    expect(phones.current()).toMatchObject({ call: null, callId: null, answered: false });
  });

  it('gives the answered call’s two sides and statistics only once its audio is up, and none after', async () => {
    answers.push(async () => ({ credentials: [credential('1'.repeat(32))] }));
    phones.start();
    await settle();
    const call = new FakeCall('call-1');
    built[0]!.events.incoming(call);
    // Up before it was answered here: not this tab's call yet.
    built[0]!.events.connected(call);
    expect(phones.current().connected).toBe(false);
    expect(await phones.answer('call-1', 'asterisk', 0)).toBe(true);
    expect(phones.audioStreams()).toBeNull();
    expect(phones.statsSource()).toBeNull();
    built[0]!.events.connected(call);
    expect(phones.current().connected).toBe(true);
    expect(phones.audioStreams()).toEqual({ callId: 'call-1', local: call.mic, remote: call.voice });
    expect(phones.statsSource()).toBe(call.stats);
    phones.end('call-1');
    expect(phones.current().connected).toBe(false);
    expect(phones.audioStreams()).toBeNull();
    expect(phones.statsSource()).toBeNull();
  });

  it('waits a moment for a leg that arrives after the card, and rejects one taken by a colleague', async () => {
    answers.push(async () => ({ credentials: [credential('1'.repeat(32))] }));
    phones.start();
    await settle();
    const late = new FakeCall(null);
    const answering = phones.answer('call-1', 'asterisk', 5_000);
    await vi.advanceTimersByTimeAsync(1_000);
    built[0]!.events.incoming(late);
    expect(await answering).toBe(true);
    expect(late.log).toEqual(['accept default']);
    built[0]!.events.ended(late);
    expect(phones.current().call).toBeNull();

    const ringing = new FakeCall('call-3');
    built[0]!.events.incoming(ringing);
    // A second leg while one rings is stale: refused at once.
    const stale = new FakeCall('call-4');
    built[0]!.events.incoming(stale);
    expect(stale.log).toEqual(['reject']);
    phones.end('call-3');
    expect(ringing.log).toEqual(['reject']);
    // A leg the provider did not name is left to the provider (it cancels losing legs itself).
    const unnamed = new FakeCall(null);
    built[0]!.events.incoming(unnamed);
    phones.end('call-5');
    expect(unnamed.log).toEqual([]);
  });
});
