import type { BrowserCredential } from '@llamenos/protocol';
import type { Call, Device } from '@twilio/voice-sdk';
import { storedAudioDevices } from '../audio-devices.js';
import {
  asError,
  hotlineCallIdOf,
  microphoneConstraint,
  onceOnly,
  sdkToken,
  tokenPhoneFactory,
} from './sdk-call.js';
import type { CallStatsSource, IncomingProviderCall, ProviderPhone, ProviderPhoneEvents } from './types.js';

/**
 * The Twilio Voice JS SDK as a provider phone. The server's access token carries a voice grant
 * for the volunteer's identity with incoming calls allowed; the queue's REST leg
 * `To=client:<identity>` rings the Device registered with it. The SDK is imported only here, and
 * this module only when a Twilio credential arrives, so it never weighs on the first load.
 */

type TwilioSdk = { Device: typeof Device };
/** Device options beyond the public ones (event publishing; the signalling host for the test double). */
type DeviceOptions = Device.Options & Record<string, unknown>;

const UNREGISTER_WAIT_MS = 2000;
/** A few samples of silence (8 kHz, 8-bit WAV): what every SDK sound plays. */
const SILENCE =
  'data:audio/wav;base64,UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==';
const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * The factory with its SDK loader and extra Device options given: the app uses `twilioPhone`;
 * the tests point the real SDK at a loopback signalling double.
 */
export function twilioPhoneWith(
  load: () => Promise<TwilioSdk> = () => import('@twilio/voice-sdk'),
  extraOptions: DeviceOptions = {},
) {
  return tokenPhoneFactory('twilio', load, ({ Device }, token, events) => {
    const options: DeviceOptions = {
      // The app rings (lib/calls/ringtone.ts) and asks before closing a tab on a call itself.
      closeProtection: false,
      // Opus first: far better than G.711 on a volunteer's home connection.
      codecPreferences: ['opus' as Call.Codec, 'pcmu' as Call.Codec],
      // The queue rings a volunteer for one call at a time; a second invite is not ours to take.
      allowIncomingWhileBusy: false,
      logLevel: 'error',
      // No call-quality events to Twilio's Insights: the call itself is all Twilio needs.
      publishEvents: false,
      // Every SDK sound silent and never fetched from Twilio's CDN: the app rings itself.
      sounds: Object.fromEntries(Object.values(Device.SoundName).map((name) => [name, SILENCE])),
      ...extraOptions,
    };
    const device = new Device(token, options);
    device.audio?.incoming(false);
    return new TwilioPhone(device, events);
  });
}

/** The app's factory (provider-phone/index.ts imports this module only for a Twilio credential). */
export const createProviderPhone = twilioPhoneWith();

class TwilioPhone implements ProviderPhone {
  readonly provider = 'twilio' as const;

  constructor(
    private readonly device: Device,
    private readonly events: ProviderPhoneEvents,
  ) {
    device.on('incoming', (call: Call) => this.ring(call));
    device.on('error', (error: unknown, call?: Call) => {
      // An error of one call (its media failed) ends that call; others concern the registration.
      if (!call) this.events.error(asError('Twilio', error));
    });
  }

  async register(): Promise<void> {
    if (this.device.state === 'registered') return;
    try {
      await this.device.register();
    } catch (error) {
      throw asError('Twilio registration failed', error);
    }
  }

  async refresh(credential: BrowserCredential): Promise<void> {
    // The SDK sends the new token on its open signalling connection; no re-registration.
    this.device.updateToken(sdkToken(credential, 'twilio'));
  }

  async unregister(): Promise<void> {
    this.device.disconnectAll();
    try {
      // Twilio confirms with "offline"; a lost connection never would, and closing the socket
      // (destroy) ends the registration anyway, so the goodbye gets a short wait.
      if (this.device.state === 'registered')
        await Promise.race([this.device.unregister(), delay(UNREGISTER_WAIT_MS)]);
    } catch {
      // already unregistered or the connection is gone: destroy below is what matters
    } finally {
      this.device.destroy();
    }
  }

  /** The caller plays through the speaker chosen in My settings (the SDK plays the audio itself). */
  private async playOnChosenSpeaker(): Promise<void> {
    const { outputId } = storedAudioDevices();
    if (!outputId || !this.device.audio?.isOutputSelectionSupported) return;
    await this.device.audio.speakerDevices.set(outputId).catch(() => {
      // the speaker is gone (unplugged): the default one plays
    });
  }

  private ring(call: Call): void {
    const incoming = new TwilioIncomingCall(call, () => this.playOnChosenSpeaker());
    const ended = onceOnly(() => this.events.ended(incoming));
    // Twilio says "accept" once both signalling and media are open: the audio is up.
    call.on('accept', () => this.events.connected(incoming));
    // cancel: the caller hung up or another leg won while ringing; disconnect: an answered call
    // ended at either side; reject: declined here; error: the call's media or signalling failed.
    for (const event of ['cancel', 'disconnect', 'reject', 'error'] as const) call.on(event, ended);
    this.events.incoming(incoming);
  }
}

class TwilioIncomingCall implements IncomingProviderCall {
  readonly provider = 'twilio' as const;
  readonly callId: string | null;
  private readonly stats = new TwilioSampleStats();

  constructor(
    private readonly call: Call,
    private readonly playOnChosenSpeaker: () => Promise<void>,
  ) {
    // Passed along when the leg's address carried it (`client:<identity>?callId=<id>`).
    this.callId = hotlineCallIdOf(call.customParameters.get('callId'));
    call.on('sample', (sample: TwilioSample) => this.stats.take(sample));
  }

  async accept({ microphoneId }: { microphoneId?: string }): Promise<void> {
    await this.playOnChosenSpeaker();
    this.call.accept({ rtcConstraints: { audio: microphoneConstraint(microphoneId) } });
  }

  reject(): void {
    this.call.reject();
  }

  hangUp(): void {
    this.call.disconnect();
  }

  mute(muted: boolean): void {
    this.call.mute(muted);
  }

  remoteStream(): MediaStream | null {
    return this.call.getRemoteStream() ?? null;
  }

  localStream(): MediaStream | null {
    return this.call.getLocalStream() ?? null;
  }

  statsSource(): CallStatsSource {
    return this.stats;
  }
}

/** What the SDK's "sample" event (one a second) carries that the indicator uses. */
export interface TwilioSample {
  /** Milliseconds. */
  rtt: number;
  /** Milliseconds, of the audio received. */
  jitter: number;
  totals: { packetsReceived: number; packetsLost: number };
}

/**
 * The Voice SDK keeps its peer connection to itself and reports the call's quality as samples
 * instead: the latest one, given as the statistics entries the card's indicator reads
 * (lib/calls/network-quality.ts sampleOf), in seconds and cumulative packet counts like
 * getStats(). Before the first sample there is nothing to read (the indicator waits).
 */
export class TwilioSampleStats implements CallStatsSource {
  private latest: TwilioSample | null = null;

  take(sample: TwilioSample): void {
    this.latest = sample;
  }

  async getStats(): Promise<RTCStatsReport> {
    const s = this.latest;
    if (!s) throw new Error('no call-quality sample yet');
    const entries: [string, Record<string, unknown>][] = [
      [
        'pair',
        { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: s.rtt / 1000 },
      ],
      [
        'inbound',
        {
          type: 'inbound-rtp',
          kind: 'audio',
          jitter: s.jitter / 1000,
          packetsReceived: s.totals.packetsReceived,
          packetsLost: s.totals.packetsLost,
        },
      ],
    ];
    return new Map(entries) as unknown as RTCStatsReport;
  }
}
