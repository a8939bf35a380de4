import type { BrowserCredential } from '@llamenos/protocol';
import * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingRTCSessionEvent } from 'jssip/lib/UA.js';
import { playThroughChosenSpeaker, storedAudioDevices } from '../audio-devices.js';
import { hotlineCallIdOf, openMicrophone } from './sdk-call.js';
import type {
  CallStatsSource,
  IncomingProviderCall,
  ProviderPhone,
  ProviderPhoneEvents,
  ProviderPhoneFactory,
} from './types.js';

/**
 * The Asterisk browser phone (docs/CALLS.md, "Browser calling per provider"): JsSIP registers
 * the volunteer's own PJSIP endpoint over the credential's secure WebSocket with the digest
 * username and password the server pushed, and the queue's `PJSIP/<identity>` leg arrives as an
 * INVITE. Answering it is the whole answer: Asterisk reports the channel up and the server
 * enters the first-pickup compare-and-set at once (a browser leg is not screened). Media is DTLS-SRTP
 * between this tab and Asterisk; the server never carries it.
 *
 * Loaded only through index.ts's dynamic import: JsSIP stays out of the first load.
 */

type SipCredential = Extract<BrowserCredential, { provider: 'asterisk' }>;

/** The header the Asterisk adapter sets on a browser leg's INVITE: the hotline call it belongs to. */
export const CALL_HEADER = 'X-Llamenos-Call';

/** How long ICE candidates are gathered before the answer goes with what there is (as webrtc.ts). */
const GATHER_LIMIT_MS = 3_000;
/** How long registration may take before it counts as failed. */
const REGISTER_LIMIT_MS = 15_000;

export const createProviderPhone: ProviderPhoneFactory = async (credential, events) => {
  if (credential.provider !== 'asterisk') throw new Error('not an Asterisk credential');
  return new SipPhone(credential, events);
};

class SipPhone implements ProviderPhone {
  readonly provider = 'asterisk' as const;
  private readonly ua: JsSIP.UA;
  private current: SipCall | null = null;
  private registered = false;
  private started = false;
  private stopped = false;

  constructor(
    credential: SipCredential,
    private readonly events: ProviderPhoneEvents,
  ) {
    this.ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(credential.webSocketUrl)],
      uri: credential.sipUri,
      authorization_user: credential.username,
      password: credential.password,
      // Registers on start and again after every reconnection of the socket.
      register: true,
      // Asterisk's session timers are not needed for a call that lives as long as the caller's.
      session_timers: false,
      user_agent: 'Llamenos',
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 30,
    });
    this.ua.on('newRTCSession', (event: IncomingRTCSessionEvent) => {
      if (event.originator === 'remote') this.incoming(event);
    });
    this.ua.on('registrationFailed', (e: { cause?: string }) => {
      if (this.registered && !this.stopped)
        this.events.error(new Error(`registration: ${e.cause ?? 'failed'}`));
      this.registered = false;
    });
    this.ua.on('registered', () => {
      this.registered = true;
    });
  }

  register(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error('registration: no answer')), REGISTER_LIMIT_MS);
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.ua.removeListener('registered', onRegistered);
        this.ua.removeListener('registrationFailed', onFailed);
        if (error) reject(error);
        else resolve();
      };
      const onRegistered = () => done();
      const onFailed = (e: { cause?: string }) => done(new Error(`registration: ${e.cause ?? 'failed'}`));
      this.ua.on('registered', onRegistered);
      this.ua.on('registrationFailed', onFailed);
      if (this.started) this.ua.register();
      else {
        this.started = true;
        this.ua.start();
      }
    });
  }

  /** The server replaced the password with this issue: the next REGISTER must use the new one. */
  async refresh(credential: BrowserCredential): Promise<void> {
    if (credential.provider !== 'asterisk') return;
    this.ua.set('password', credential.password);
    await this.register();
  }

  async unregister(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.current?.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      this.ua.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      // stop() unregisters first when registered, then closes the socket.
      this.ua.stop();
    });
  }

  private incoming({ session, request }: IncomingRTCSessionEvent): void {
    // One call rings a volunteer at a time (calls/queue.ts): a second INVITE is a stale leg.
    if (this.current || this.stopped) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    const call = new SipCall(
      session,
      hotlineCallIdOf(request.getHeader(CALL_HEADER)),
      () => {
        if (this.current === call) this.current = null;
        this.events.ended(call);
      },
      () => this.events.connected(call),
    );
    this.current = call;
    this.events.incoming(call);
  }
}

class SipCall implements IncomingProviderCall {
  readonly provider = 'asterisk' as const;
  private mic: MediaStream | null = null;
  private player: HTMLAudioElement | null = null;
  private remote: MediaStream | null = null;
  private pc: RTCPeerConnection | null = null;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private muted = false;
  private over = false;

  constructor(
    private readonly session: RTCSession,
    readonly callId: string | null,
    private readonly onOver: () => void,
    private readonly onConnected: () => void,
  ) {
    session.on('peerconnection', ({ peerconnection }) => this.follow(peerconnection));
    let gathering = false;
    session.on('icecandidate', (event) => {
      // Loopback and host candidates come at once; a slow STUN server must not hold the answer.
      if (gathering) return;
      gathering = true;
      this.timers.push(setTimeout(() => event.ready(), GATHER_LIMIT_MS));
    });
    session.on('ended', () => this.finish());
    session.on('failed', () => this.finish());
  }

  async accept({ microphoneId }: { microphoneId?: string }): Promise<void> {
    if (this.over) throw new Error('the call is over');
    const mic = await openMicrophone(microphoneId ?? storedAudioDevices().inputId);
    if (this.over) {
      for (const track of mic?.getTracks() ?? []) track.stop();
      throw new Error('the call is over');
    }
    this.mic = mic;
    this.applyMute();
    await new Promise<void>((resolve, reject) => {
      this.session.once('confirmed', () => resolve());
      this.session.once('failed', (e: { cause?: string }) => reject(new Error(e.cause ?? 'failed')));
      this.session.answer({
        ...(mic ? { mediaStream: mic } : { mediaConstraints: { audio: false, video: false } }),
        // Asterisk is the only peer: its address is in the offer, no STUN needed on its network.
        pcConfig: { iceServers: [] },
      });
    });
    this.onConnected();
  }

  reject(): void {
    if (this.over) return;
    if (this.session.isEstablished()) this.session.terminate();
    else this.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
  }

  hangUp(): void {
    this.end();
  }

  /** Ends the call whatever its state (the phone is unregistering). */
  end(): void {
    if (!this.over && !this.session.isEnded()) this.session.terminate();
    this.finish();
  }

  mute(muted: boolean): void {
    this.muted = muted;
    this.applyMute();
  }

  remoteStream(): MediaStream | null {
    return this.remote;
  }

  localStream(): MediaStream | null {
    return this.mic;
  }

  statsSource(): CallStatsSource | null {
    return this.pc;
  }

  /** The microphone track itself is disabled: nothing of the volunteer's voice leaves while muted. */
  private applyMute(): void {
    for (const track of this.mic?.getAudioTracks() ?? []) track.enabled = !this.muted;
  }

  private follow(pc: RTCPeerConnection): void {
    this.pc = pc;
    pc.addEventListener('track', (event) => {
      if (event.track.kind !== 'audio' || this.over) return;
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      this.remote = stream;
      const player = this.player ?? new Audio();
      this.player = player;
      player.srcObject = stream;
      void playThroughChosenSpeaker(player, storedAudioDevices()).then(() => player.play().catch(() => {}));
    });
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const track of this.mic?.getTracks() ?? []) track.stop();
    if (this.player) {
      this.player.pause();
      this.player.srcObject = null;
    }
    this.onOver();
  }
}
