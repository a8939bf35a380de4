import type { BrowserCredential } from '@llamenos/protocol';
import type { ISignalWireBrowserOptions, Relay } from '@signalwire/js';
import { playThroughChosenSpeaker, storedAudioDevices } from '../audio-devices.js';
import { asError, CallsBySdkId, openMicrophone, SdkLogin, sdkPhoneFactory, sdkToken } from './sdk-call.js';
import type { CallStatsSource, IncomingProviderCall, ProviderPhone, ProviderPhoneEvents } from './types.js';

/**
 * SignalWire's RELAY browser SDK v2 (`@signalwire/js` 1.x) as a provider phone. The server asks
 * the project's REST API for a JWT whose Verto `resource` is the volunteer's identity; the SDK
 * opens its Blade session with it and the project id (`blade.connect`), and the queue's leg
 * (`<Dial><Verto>` or `verto:<identity>@<space>.verto.signalwire.com`) arrives as a Verto invite:
 * a call in state `ringing`. The invite carries only SignalWire's call id and the caller id
 * fields (the SDK keeps nothing else of it), so the hotline call id is null here, as on Vonage:
 * the app pairs the leg with the ringing card of its provider.
 */

/** What the adapter uses of the SDK's session (the tests give an object of this shape). */
export type SignalWireSdkSession = Pick<
  Relay,
  'options' | 'connect' | 'disconnect' | 'refreshToken' | 'on' | 'off' | 'expired' | '__logger'
>;

/** What the adapter uses of one of the SDK's calls. */
export type SignalWireSdkCall = Pick<
  Awaited<ReturnType<Relay['newCall']>>,
  'id' | 'state' | 'options' | 'peer' | 'answer' | 'hangup' | 'muteAudio' | 'unmuteAudio'
>;

/** The SDK's session options (the tests point `host` at a loopback double). */
export type SignalWireSdkOptions = Omit<ISignalWireBrowserOptions, 'project' | 'token'>;
type SignalWireSdk = { Relay: new (options: ISignalWireBrowserOptions) => SignalWireSdkSession };

/** The SDK's event names (its SwEvent enum, which the package does not export). */
const READY = 'signalwire.ready';
const ERROR = 'signalwire.error';
const NOTIFICATION = 'signalwire.notification';
const SOCKET_CLOSE = 'signalwire.socket.close';

/** How long the Blade session may take to be ready (or reauthenticated) before it counts as failed. */
const CONNECT_LIMIT_MS = 15_000;

/** A call's states that mean it is over (hung up at either side, or dropped with the session). */
const OVER = new Set(['hangup', 'destroy', 'purge']);

/** A notification of the SDK: `callUpdate` when one of its calls changed state. */
interface SignalWireNotification {
  type?: string;
  call?: SignalWireSdkCall;
}

export function signalWirePhoneWith(
  load: () => Promise<SignalWireSdk> = () => import('@signalwire/js'),
  options: SignalWireSdkOptions = {},
) {
  return sdkPhoneFactory(
    signalWireLogin,
    load,
    ({ Relay }, { token, project }, events) =>
      new SignalWirePhone(new Relay({ ...options, project, token }), events),
  );
}

/**
 * The app's factory (provider-phone/index.ts imports this module only for a SignalWire
 * credential); the tests give `signalWirePhoneWith` a loopback `host` or a session double.
 */
export const createProviderPhone = signalWirePhoneWith();

/** The JWT and the project id of a SignalWire credential; another provider's is refused. */
function signalWireLogin(credential: BrowserCredential): { token: string; project: string } {
  const token = sdkToken(credential, 'signalwire');
  if (credential.provider !== 'signalwire') throw new Error('not a SignalWire credential');
  return { token, project: credential.project };
}

class SignalWirePhone implements ProviderPhone {
  readonly provider = 'signalwire' as const;
  private ready = false;
  private readonly connecting = new SdkLogin('SignalWire session timed out', CONNECT_LIMIT_MS);
  /** Errors the SDK reports while it reauthenticates (its refreshToken reports them, never throws). */
  private refreshErrors: Error[] | null = null;
  private readonly calls: CallsBySdkId<SignalWireIncomingCall>;
  private readonly listeners: [string, (payload: never) => void][] = [];

  constructor(
    private readonly session: SignalWireSdkSession,
    private readonly events: ProviderPhoneEvents,
  ) {
    this.calls = new CallsBySdkId(events);
    // At debug level the SDK logs every message it sends and receives (the JWT, the SDP, the
    // caller's number), and a level stored in the page's localStorage would turn that on: errors only.
    session.__logger.setLevel('error', false);
    this.listen(READY, () => {
      this.ready = true;
      this.connecting.done();
    });
    this.listen(ERROR, (cause: unknown) => {
      const error = asError('SignalWire session failed', cause);
      if (this.connecting.waiting) this.connecting.failed(error);
      else if (this.refreshErrors) this.refreshErrors.push(error);
      else this.events.error(error);
    });
    this.listen(NOTIFICATION, (notification: SignalWireNotification) => {
      if (notification?.type === 'callUpdate' && notification.call) this.follow(notification.call);
    });
    // The SDK connects again by itself (and says so with a new "ready"); a refresh meanwhile
    // waits for that session instead of reauthenticating one that is gone.
    this.listen(SOCKET_CLOSE, () => {
      this.ready = false;
    });
  }

  /** The SDK keeps its handlers in one registry per page: a phone removes its own at unregister. */
  private listen(event: string, listener: (payload: never) => void): void {
    this.listeners.push([event, listener]);
    this.session.on(event, listener);
  }

  async register(): Promise<void> {
    if (this.ready) return;
    await this.connecting.run((failed) =>
      this.session.connect().catch((error: unknown) => failed(asError('SignalWire session failed', error))),
    );
  }

  async refresh(credential: BrowserCredential): Promise<void> {
    const { token } = signalWireLogin(credential);
    if (!this.ready) {
      // A lost session is opened again with the new token (the SDK's connect sends the one in its options).
      this.session.options.token = token;
      return this.register();
    }
    // An open session is reauthenticated on its socket (`blade.reauthenticate`) with the new JWT.
    // Past its JWT's expiry (the page slept through the app's refresh) the SDK's refreshToken
    // only "connects" the socket that is still open, which does nothing: the app starts over.
    if (this.session.expired) throw new Error('SignalWire session expired');
    // The SDK queues the request while SignalWire has told it to wait (`blade.disconnect`) and
    // never gives up on it: past the limit the app starts over with a new phone.
    const errors: Error[] = [];
    this.refreshErrors = errors;
    let limit: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.session.refreshToken(token),
        new Promise<never>((_, reject) => {
          limit = setTimeout(
            () => reject(new Error('SignalWire reauthentication timed out')),
            CONNECT_LIMIT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(limit);
      this.refreshErrors = null;
    }
    if (errors[0]) throw errors[0];
  }

  async unregister(): Promise<void> {
    this.calls.hangUpAll();
    this.ready = false;
    this.connecting.failed(new Error('SignalWire phone unregistered'));
    for (const [event, listener] of this.listeners.splice(0)) this.session.off(event, listener);
    await this.session.disconnect();
  }

  /** A call changed state: a new invite rings, an answered one is up, an ended one is over. */
  private follow(sdkCall: SignalWireSdkCall): void {
    const known = this.calls.get(sdkCall.id);
    if (!known) {
      if (sdkCall.state === 'ringing')
        this.calls.ring(sdkCall.id, new SignalWireIncomingCall(sdkCall, this.events));
      return;
    }
    if (!known.carriedBy(sdkCall)) {
      // SignalWire re-attaches an answered call (`verto.attach`, e.g. after the socket came
      // back): the SDK drops its call object for a new one with the same id and answers it.
      if (sdkCall.state === 'new' && sdkCall.options.attach === true) known.recover(sdkCall);
      return;
    }
    if (sdkCall.state === 'answering') known.holdMute();
    else if (sdkCall.state === 'active') known.up();
    else if (OVER.has(sdkCall.state))
      // The SDK ends the old object of a re-attached call just before it makes the new one
      // (in the same turn): the call is over only if no new object took it on.
      queueMicrotask(() => {
        if (!known.carriedBy(sdkCall)) return;
        known.over();
        this.calls.end(sdkCall.id);
      });
  }
}

class SignalWireIncomingCall implements IncomingProviderCall {
  readonly provider = 'signalwire' as const;
  readonly callId = null;
  private answered = false;
  private muted = false;
  private microphoneId: string | null = null;
  private player: HTMLAudioElement | null = null;
  private answering: { up: () => void; over: () => void } | null = null;

  constructor(
    private sdkCall: SignalWireSdkCall,
    private readonly events: ProviderPhoneEvents,
  ) {}

  /** Whether `sdkCall` is the SDK's object for this call now (an old one may still report). */
  carriedBy(sdkCall: SignalWireSdkCall): boolean {
    return this.sdkCall === sdkCall;
  }

  /**
   * The SDK's new object for this answered call, re-attached by SignalWire: it answers at once
   * and opens the microphone itself (the old one's was stopped with it), so it is told which.
   */
  recover(sdkCall: SignalWireSdkCall): void {
    if (!this.answered) return;
    this.sdkCall = sdkCall;
    if (this.microphoneId) sdkCall.options.micId = this.microphoneId;
  }

  /** The answer is made (the microphone is on the connection) and not yet sent: a muted call stays muted. */
  holdMute(): void {
    if (this.muted) this.sdkCall.muteAudio();
  }

  async accept({ microphoneId }: { microphoneId?: string }): Promise<void> {
    if (OVER.has(this.sdkCall.state)) throw new Error('the call is over');
    // The chosen microphone with voice processing, opened here: the SDK sends a stream it is
    // given (`options.localStream`) instead of opening the default one itself.
    this.microphoneId = microphoneId ?? storedAudioDevices().inputId;
    const mic = await openMicrophone(this.microphoneId);
    if (!mic) {
      this.reject();
      throw new Error('no microphone to answer with');
    }
    if (OVER.has(this.sdkCall.state)) {
      for (const track of mic.getTracks()) track.stop();
      throw new Error('the call is over');
    }
    for (const track of mic.getAudioTracks()) track.enabled = !this.muted;
    Object.assign(this.sdkCall.options, { localStream: mic, audio: true, video: false });
    await new Promise<void>((resolve, reject) => {
      this.answering = {
        up: resolve,
        over: () => reject(new Error('the call ended before it was answered')),
      };
      this.answered = true;
      this.sdkCall.answer();
    });
  }

  /** The SDK's call is active: its answer was taken and the caller's audio is on the connection. */
  up(): void {
    if (!this.answered) return;
    this.answering?.up();
    this.answering = null;
    this.play();
    this.events.connected(this);
  }

  /** The SDK's call is over (it stops the streams itself). */
  over(): void {
    this.answering?.over();
    this.answering = null;
    if (this.player) {
      this.player.pause();
      this.player.srcObject = null;
    }
  }

  reject(): void {
    // Verto has no decline of its own: a bye before the answer ends the leg at SignalWire.
    if (!OVER.has(this.sdkCall.state)) this.sdkCall.hangup();
  }

  hangUp(): void {
    if (!this.answered) this.reject();
    else if (!OVER.has(this.sdkCall.state)) this.sdkCall.hangup();
  }

  mute(muted: boolean): void {
    this.muted = muted;
    // The SDK disables the microphone's tracks: nothing of the volunteer's voice leaves while muted.
    if (muted) this.sdkCall.muteAudio();
    else this.sdkCall.unmuteAudio();
  }

  remoteStream(): MediaStream | null {
    return this.sdkCall.options.remoteStream ?? null;
  }

  localStream(): MediaStream | null {
    return this.answered ? (this.sdkCall.options.localStream ?? null) : null;
  }

  statsSource(): CallStatsSource | null {
    return this.sdkCall.peer?.instance ?? null;
  }

  /** The caller through the speaker chosen in My settings (the SDK plays nothing unless given an element). */
  private play(): void {
    const stream = this.remoteStream();
    if (!stream) return;
    const player = this.player ?? new Audio();
    this.player = player;
    player.srcObject = stream;
    void playThroughChosenSpeaker(player, storedAudioDevices()).then(() => player.play().catch(() => {}));
  }
}
