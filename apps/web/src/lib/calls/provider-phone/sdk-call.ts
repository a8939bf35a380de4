import type { BrowserCredential } from '@llamenos/protocol';
import { z } from 'zod';
import { microphoneConstraints } from '../audio-devices.js';
import type {
  IncomingProviderCall,
  ProviderPhone,
  ProviderPhoneEvents,
  ProviderPhoneFactory,
} from './types.js';

/**
 * What the provider phone adapters (sip.ts, twilio.ts, signalwire.ts, plivo.ts, vonage.ts) share:
 * reading the hotline call id a provider passed along with a ringing leg, the microphone (its
 * constraint, or opened with voice processing), telling the app once that a call ended whichever
 * of the SDK's several events said so first, and (for the SDKs that log in with a token) the
 * factory, the calls ringing by the SDK's id, the wait for the SDK's login and the audio on the
 * SDK's peer connection.
 *
 * Picking up is all an adapter does to answer: the server does not screen a browser leg ("press
 * 1" is for phones, which a voicemail box can answer), so no key is sent after the pickup.
 */

/**
 * The hotline's call id as the server creates them (a UUID, calls/inbound.ts), whichever way the
 * provider carried it (a custom parameter, a SIP header, custom data); anything else is dropped.
 */
const HotlineCallId = z.uuid();

export function hotlineCallIdOf(value: unknown): string | null {
  const parsed = HotlineCallId.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** getUserMedia's audio constraint for the chosen microphone (exact: never silently another one). */
export function microphoneConstraint(microphoneId: string | undefined): MediaTrackConstraints | true {
  return microphoneId ? { deviceId: { exact: microphoneId } } : true;
}

/** The chosen microphone with voice processing; the default one if it is gone; null when refused or absent. */
export async function openMicrophone(inputId: string | null): Promise<MediaStream | null> {
  const open = (id: string | null) =>
    navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints({ inputId: id, outputId: null }) });
  try {
    return await open(inputId).catch((error: unknown) => {
      if (inputId) return open(null);
      throw error;
    });
  } catch {
    return null;
  }
}

/**
 * An SDK reports the end of a call through several events (cancelled, disconnected, rejected,
 * failed), sometimes more than one for the same call; the app is told exactly once.
 */
export function onceOnly(report: () => void): () => void {
  let reported = false;
  return () => {
    if (reported) return;
    reported = true;
    report();
  };
}

/** The SDKs throw strings, their own error objects or Errors: the app gets an Error with a message. */
export function asError(prefix: string, cause: unknown): Error {
  const detail =
    cause instanceof Error
      ? cause.message
      : typeof cause === 'string'
        ? cause
        : typeof cause === 'object' && cause !== null && 'message' in cause
          ? String((cause as { message: unknown }).message)
          : 'unknown error';
  return new Error(`${prefix}: ${detail}`, { cause });
}

/** The microphone an SDK sends on `connection`, as a stream (local transcription); null before it sends. */
export function sentAudio(connection: RTCPeerConnection | null | undefined): MediaStream | null {
  const tracks = connection
    ?.getSenders()
    .flatMap((sender) => (sender.track?.kind === 'audio' ? [sender.track] : []));
  return tracks?.length ? new MediaStream(tracks) : null;
}

/** The caller's audio an SDK receives on `connection`, as a stream; null before it receives. */
export function receivedAudio(connection: RTCPeerConnection | null | undefined): MediaStream | null {
  const tracks = connection?.getReceivers().flatMap((receiver) => (receiver.track ? [receiver.track] : []));
  return tracks?.length ? new MediaStream(tracks) : null;
}

type TokenProvider = Extract<BrowserCredential, { token: string }>['provider'];

/** How the adapters name a provider in their errors. */
const SDK_NAMES: Record<TokenProvider, string> = {
  twilio: 'Twilio',
  signalwire: 'SignalWire',
  plivo: 'Plivo',
  vonage: 'Vonage',
};

/** The SDK token of a credential for `provider`; another provider's credential is refused. */
export function sdkToken(credential: BrowserCredential, provider: TokenProvider): string {
  if (credential.provider !== provider || !('token' in credential))
    throw new Error(`a ${SDK_NAMES[provider]} phone cannot use a ${credential.provider} credential`);
  return credential.token;
}

/**
 * The factory of a phone whose SDK is loaded on first use: `login` reads what the SDK logs in with
 * from the credential before the SDK is loaded (a wrong credential never loads it), then `build`
 * makes the phone with the loaded SDK.
 */
export function sdkPhoneFactory<Sdk, Login>(
  login: (credential: BrowserCredential) => Login,
  load: () => Promise<Sdk>,
  build: (sdk: Sdk, login: Login, events: ProviderPhoneEvents) => ProviderPhone,
): ProviderPhoneFactory {
  return async (credential, events) => {
    const checked = login(credential);
    return build(await load(), checked, events);
  };
}

/** The factory of a phone whose SDK logs in with the credential's token alone. */
export function tokenPhoneFactory<Sdk>(
  provider: TokenProvider,
  load: () => Promise<Sdk>,
  build: (sdk: Sdk, token: string, events: ProviderPhoneEvents) => ProviderPhone,
): ProviderPhoneFactory {
  return sdkPhoneFactory((credential) => sdkToken(credential, provider), load, build);
}

/**
 * The calls an SDK has ringing or answered, by the SDK's own call id: the app hears of each one
 * when it rings and exactly once when it ends, whichever of the SDK's events says so.
 */
export class CallsBySdkId<Call extends IncomingProviderCall> {
  private readonly calls = new Map<string, { call: Call; ended: () => void }>();

  constructor(private readonly events: ProviderPhoneEvents) {}

  ring(sdkId: string, call: Call): void {
    const ended = onceOnly(() => {
      this.calls.delete(sdkId);
      this.events.ended(call);
    });
    this.calls.set(sdkId, { call, ended });
    this.events.incoming(call);
  }

  end(sdkId: string | null | undefined): void {
    if (sdkId) this.calls.get(sdkId)?.ended();
  }

  get(sdkId: string | null | undefined): Call | undefined {
    return sdkId ? this.calls.get(sdkId)?.call : undefined;
  }

  /** Hangs up every call (the phone is unregistering). */
  hangUpAll(): void {
    for (const { call } of this.calls.values()) call.hangUp();
  }
}

/**
 * An SDK's login (or session start) that the SDK answers with events, not a promise: `run`
 * starts it and waits until the phone's event handlers call `done` or `failed`, or until the time
 * limit fails it.
 */
export class SdkLogin {
  private pending: { done: () => void; failed: (error: Error) => void } | null = null;

  constructor(
    private readonly timedOut: string,
    private readonly limitMs: number,
  ) {}

  /** A login is under way (an SDK error now is its failure, not the app's to hear). */
  get waiting(): boolean {
    return this.pending !== null;
  }

  run(start: (failed: (error: Error) => void) => unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const limit = setTimeout(() => settle(new Error(this.timedOut)), this.limitMs);
      const settle = (error?: Error) => {
        clearTimeout(limit);
        this.pending = null;
        if (error) reject(error);
        else resolve();
      };
      this.pending = { done: () => settle(), failed: settle };
      start(settle);
    });
  }

  done(): void {
    this.pending?.done();
  }

  failed(error: Error): void {
    this.pending?.failed(error);
  }
}
