import type { BrowserCredential } from '@llamenos/protocol';
import type { Client, ConfiguationOptions } from 'plivo-browser-sdk/client';
import { storedAudioDevices } from '../audio-devices.js';
import {
  asError,
  CallsBySdkId,
  hotlineCallIdOf,
  receivedAudio,
  SdkLogin,
  sdkToken,
  sentAudio,
  tokenPhoneFactory,
} from './sdk-call.js';
import type { CallStatsSource, IncomingProviderCall, ProviderPhone, ProviderPhoneEvents } from './types.js';

/**
 * The Plivo browser SDK as a provider phone. The server asks Plivo for an access token (`sub`
 * the volunteer's identity, incoming calls only); the SDK logs in with it over SIP and the
 * queue's leg `sip:<identity>@phone.plivo.com` rings it. The SDK keeps one call at a time:
 * answer and reject name the call, mute and hang up act on the current one.
 */

/** The parts of the SDK's client the adapter uses (the tests give an object of this shape). */
export type PlivoSdkClient = Pick<
  Client,
  | 'loginWithAccessTokenGenerator'
  | 'logout'
  | 'answer'
  | 'reject'
  | 'hangup'
  | 'mute'
  | 'unmute'
  | 'setRingTone'
  | 'setConnectTone'
  | 'getPeerConnection'
  | 'audio'
  | 'on'
  | 'removeListener'
>;
type PlivoListener = Parameters<PlivoSdkClient['on']>[1];
type PlivoSdk = { default: new (options: ConfiguationOptions) => { client: PlivoSdkClient } };

/** How long the SIP login may take before it counts as failed. */
const LOGIN_LIMIT_MS = 15_000;

/**
 * Plivo's options: no call statistics or quality reports to Plivo's analytics, the app's own
 * ringtone (lib/calls/ringtone.ts), no prompt before closing the tab (the app asks), and the
 * microphone opened only when a call is answered.
 */
const OPTIONS: ConfiguationOptions = {
  debug: 'ERROR',
  permOnClick: true,
  enableTracking: false,
  enableQualityTracking: 'NONE',
  closeProtection: false,
  allowMultipleIncomingCalls: false,
  codecs: ['OPUS', 'PCMU'],
};

export function plivoPhoneWith(
  load: () => Promise<PlivoSdk> = () => import('plivo-browser-sdk'),
  options: ConfiguationOptions = {},
) {
  return tokenPhoneFactory(
    'plivo',
    load,
    ({ default: Plivo }, token, events) =>
      new PlivoPhone(new Plivo({ ...OPTIONS, ...options }).client, token, events),
  );
}

/**
 * The app's factory (provider-phone/index.ts imports this module only for a Plivo credential);
 * the tests give `plivoPhoneWith` a client double.
 */
export const createProviderPhone = plivoPhoneWith();

/** What Plivo tells of a call (its `callInfo`): only its id is used. */
interface PlivoCallInfo {
  callUUID?: string | null;
}

class PlivoPhone implements ProviderPhone {
  readonly provider = 'plivo' as const;
  private loggedIn = false;
  private readonly login = new SdkLogin('Plivo login timed out', LOGIN_LIMIT_MS);
  private readonly calls: CallsBySdkId<PlivoIncomingCall>;

  constructor(
    private readonly client: PlivoSdkClient,
    private token: string,
    private readonly events: ProviderPhoneEvents,
  ) {
    this.calls = new CallsBySdkId(events);
    client.setRingTone(false);
    client.setConnectTone(false);
    this.listen('onLogin', () => {
      this.loggedIn = true;
      this.login.done();
    });
    this.listen('onLoginFailed', (cause: unknown) => {
      const error = asError('Plivo login failed', cause);
      if (this.login.waiting) this.login.failed(error);
      else this.events.error(error);
    });
    this.listen('onLogout', () => {
      this.loggedIn = false;
    });
    this.listen(
      'onIncomingCall',
      (_caller: string, headers: Record<string, string> | undefined, info: PlivoCallInfo) =>
        this.ring(info?.callUUID, headers),
    );
    // Cancelled (the caller hung up, another leg won), ignored, failed, or ended after an answer.
    this.listen('onIncomingCallCanceled', (info: PlivoCallInfo) => this.calls.end(info?.callUUID));
    this.listen('onIncomingCallIgnored', (info: PlivoCallInfo) => this.calls.end(info?.callUUID));
    this.listen('onCallFailed', (_cause: unknown, info: PlivoCallInfo) => this.calls.end(info?.callUUID));
    this.listen('onCallTerminated', (_hangup: unknown, info: PlivoCallInfo) =>
      this.calls.end(info?.callUUID),
    );
    // The answered call's media is up: its streams and statistics can be read.
    this.listen('onMediaConnected', (info: PlivoCallInfo) => {
      const call = this.calls.get(info?.callUUID);
      if (call) this.events.connected(call);
    });
  }

  /**
   * The SDK keeps one client per window (window._PlivoInstance) and hands it to every new Plivo:
   * a phone built again after sign-out must not leave the old one's listeners on it.
   */
  private readonly listeners: [string, PlivoListener][] = [];
  private listen(event: string, listener: PlivoListener): void {
    this.listeners.push([event, listener]);
    this.client.on(event, listener);
  }

  async register(): Promise<void> {
    if (this.loggedIn) return;
    await this.login.run((failed) => {
      // The SDK asks for the token itself (at login and a minute before it expires); it gets
      // the latest one the app handed to refresh(), which comes five minutes before that.
      if (!this.client.loginWithAccessTokenGenerator({ getAccessToken: async () => this.token }))
        failed(new Error('Plivo refused the access token'));
    });
  }

  async refresh(credential: BrowserCredential): Promise<void> {
    this.token = sdkToken(credential, 'plivo');
    if (!this.loggedIn) await this.register();
  }

  async unregister(): Promise<void> {
    this.calls.hangUpAll();
    if (this.loggedIn) this.client.logout();
    this.loggedIn = false;
    for (const [event, listener] of this.listeners.splice(0)) this.client.removeListener(event, listener);
  }

  private ring(callUUID: string | null | undefined, headers: Record<string, string> | undefined): void {
    if (!callUUID) return;
    this.calls.ring(callUUID, new PlivoIncomingCall(this.client, callUUID, passedCallId(headers)));
  }
}

/**
 * Plivo passes a leg's `sip_headers` as `X-PH-<name>` headers of the INVITE (any letter case),
 * with letters and digits only in a value: the server sends the call's UUID without its hyphens
 * (telephony/plivo/rest.ts), and they are put back here before the one rule of sdk-call.ts.
 */
function passedCallId(headers: Record<string, string> | undefined): string | null {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'x-ph-callid');
  const compact = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i.exec(
    entry?.[1] ?? '',
  );
  return compact ? hotlineCallIdOf(compact.slice(1).join('-').toLowerCase()) : null;
}

class PlivoIncomingCall implements IncomingProviderCall {
  readonly provider = 'plivo' as const;
  private answered = false;

  constructor(
    private readonly client: PlivoSdkClient,
    private readonly callUUID: string,
    readonly callId: string | null,
  ) {}

  async accept({ microphoneId }: { microphoneId?: string }): Promise<void> {
    if (microphoneId) this.client.audio.microphoneDevices.set(microphoneId);
    else this.client.audio.microphoneDevices.reset();
    // The SDK plays the caller itself: through the speaker chosen in My settings.
    const { outputId } = storedAudioDevices();
    if (outputId) this.client.audio.speakerDevices.set(outputId);
    if (!this.client.answer(this.callUUID, 'reject')) throw new Error('Plivo could not answer the call');
    this.answered = true;
  }

  reject(): void {
    this.client.reject(this.callUUID);
  }

  hangUp(): void {
    if (!this.answered) {
      this.reject();
      return;
    }
    this.client.hangup();
  }

  mute(muted: boolean): void {
    if (muted) this.client.mute();
    else this.client.unmute();
  }

  remoteStream(): MediaStream | null {
    return receivedAudio(this.connection());
  }

  localStream(): MediaStream | null {
    return sentAudio(this.connection());
  }

  statsSource(): CallStatsSource | null {
    return this.connection();
  }

  /** The SDK keeps one call's connection at a time: this one's once answered. */
  private connection(): RTCPeerConnection | null {
    return this.answered
      ? ((this.client.getPeerConnection()?.pc as RTCPeerConnection | undefined) ?? null)
      : null;
  }
}
