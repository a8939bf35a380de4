import type { BrowserCredential } from '@llamenos/protocol';
import type { ClientInitConfigObject, VonageClient } from '@vonage/client-sdk';
import { playThroughChosenSpeaker, storedAudioDevices } from '../audio-devices.js';
import {
  asError,
  CallsBySdkId,
  microphoneConstraint,
  receivedAudio,
  sdkToken,
  sentAudio,
  tokenPhoneFactory,
} from './sdk-call.js';
import type { CallStatsSource, IncomingProviderCall, ProviderPhone, ProviderPhoneEvents } from './types.js';

/**
 * The Vonage Client SDK as a provider phone. The server's JWT (RS256 under the application's
 * key, `sub` the volunteer's identity, ACLs for sessions, conversations, legs, knocking and
 * devices only) opens a session; the queue's leg `to: [{type: 'app', user: <identity>}]`
 * arrives as a call invite. Vonage names the call by its own id and passes nothing else of
 * ours, so the hotline call id is null here: the app pairs the invite with the ringing card.
 */

/** What the adapter uses of the SDK (the tests give an object of this shape). */
export type VonageSdkClient = Pick<
  VonageClient,
  | 'createSession'
  | 'refreshSession'
  | 'deleteSession'
  | 'on'
  | 'answer'
  | 'reject'
  | 'hangup'
  | 'mute'
  | 'unmute'
  | 'getPeerConnection'
  | 'getAudioOutputElement'
>;
type VonageSdk = { VonageClient: new (config?: ClientInitConfigObject) => VonageSdkClient };

export function vonagePhoneWith(
  load: () => Promise<VonageSdk> = () => import('@vonage/client-sdk'),
  config: ClientInitConfigObject = {},
) {
  return tokenPhoneFactory('vonage', load, ({ VonageClient }, token, events) => {
    // No call statistics to Vonage's telemetry host: only the call itself goes to Vonage.
    const client = new VonageClient({ rtcStatsTelemetry: false, ...config });
    return new VonagePhone(client, token, events);
  });
}

/**
 * The app's factory (provider-phone/index.ts imports this module only for a Vonage credential);
 * the tests give `vonagePhoneWith` a loopback `apiUrl`/`websocketUrl` or a client double.
 */
export const createProviderPhone = vonagePhoneWith();

class VonagePhone implements ProviderPhone {
  readonly provider = 'vonage' as const;
  private session: string | null = null;
  private readonly calls: CallsBySdkId<VonageIncomingCall>;

  constructor(
    private readonly client: VonageSdkClient,
    private token: string,
    private readonly events: ProviderPhoneEvents,
  ) {
    this.calls = new CallsBySdkId(events);
    client.on('callInvite', (callId: string) => this.ring(callId));
    // The caller hung up, another leg won, or the invite timed out before an answer.
    client.on('callInviteCancel', (callId: string) => this.calls.end(callId));
    // An answered call ended at either side (or was rejected here).
    client.on('callHangup', (callId: string) => this.calls.end(callId));
    client.on('sessionError', (reason: unknown) => {
      this.session = null;
      this.events.error(asError('Vonage session lost', reason));
    });
  }

  async register(): Promise<void> {
    if (this.session) return;
    try {
      this.session = await this.client.createSession(this.token);
    } catch (error) {
      throw asError('Vonage registration failed', error);
    }
  }

  async refresh(credential: BrowserCredential): Promise<void> {
    this.token = sdkToken(credential, 'vonage');
    // An open session takes the new token; a lost one is opened again with it.
    if (this.session) await this.client.refreshSession(this.token);
    else await this.register();
  }

  async unregister(): Promise<void> {
    this.calls.hangUpAll();
    if (!this.session) return;
    this.session = null;
    await this.client.deleteSession();
  }

  private ring(callId: string): void {
    const call = new VonageIncomingCall(this.client, callId, () => this.events.connected(call));
    this.calls.ring(callId, call);
  }
}

class VonageIncomingCall implements IncomingProviderCall {
  readonly provider = 'vonage' as const;
  readonly callId = null;
  private answered = false;

  constructor(
    private readonly client: VonageSdkClient,
    private readonly vonageCallId: string,
    private readonly onConnected: () => void,
  ) {}

  async accept({ microphoneId }: { microphoneId?: string }): Promise<void> {
    await this.client.answer(this.vonageCallId);
    this.answered = true;
    // The SDK opens the default microphone itself; the chosen one replaces it on the connection.
    if (microphoneId) await this.switchMicrophone(microphoneId);
    // The SDK plays the caller through its own audio element: on the speaker chosen in My settings.
    const player = this.client.getAudioOutputElement();
    if (player) await playThroughChosenSpeaker(player, storedAudioDevices());
    // answer() resolves once Vonage has joined the call: its connection carries the audio.
    this.onConnected();
  }

  reject(): void {
    void this.client.reject(this.vonageCallId).catch(() => {});
  }

  hangUp(): void {
    if (!this.answered) {
      this.reject();
      return;
    }
    void this.client.hangup(this.vonageCallId).catch(() => {});
  }

  mute(muted: boolean): void {
    void (muted ? this.client.mute(this.vonageCallId) : this.client.unmute(this.vonageCallId)).catch(
      () => {},
    );
  }

  remoteStream(): MediaStream | null {
    return receivedAudio(this.client.getPeerConnection(this.vonageCallId));
  }

  localStream(): MediaStream | null {
    return sentAudio(this.client.getPeerConnection(this.vonageCallId));
  }

  statsSource(): CallStatsSource | null {
    return this.client.getPeerConnection(this.vonageCallId) ?? null;
  }

  private async switchMicrophone(microphoneId: string): Promise<void> {
    const sender = this.client
      .getPeerConnection(this.vonageCallId)
      ?.getSenders()
      .find((candidate) => candidate.track?.kind === 'audio');
    if (!sender) return;
    const chosen = await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraint(microphoneId) });
    const [track] = chosen.getAudioTracks();
    if (!track) return;
    const previous = sender.track;
    await sender.replaceTrack(track);
    previous?.stop();
  }
}
