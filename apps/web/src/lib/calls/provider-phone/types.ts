import type { BrowserCredential, TelephonyProvider } from '@llamenos/protocol';

/**
 * A provider's browser phone: the volunteer's browser registered at the hotline's telephony
 * provider (Twilio Voice JS SDK, SignalWire, Plivo browser SDK, Vonage Client SDK, or Asterisk
 * through JsSIP), so that the queue's browser leg (`client:<identity>`, `PJSIP/<identity>`, …)
 * rings this tab. Audio flows between the provider and the browser; the server never sees it.
 *
 * The queue rings a volunteer for at most one call at a time (calls/queue.ts), so at most one
 * incoming call is pending per phone. Answering it makes the provider report the leg answered,
 * and the server's first-pickup compare-and-set decides the winner at once, as a phone leg's
 * "1" does (a browser leg is not screened: the volunteer's click on Answer is the choice).
 */
export interface ProviderPhone {
  readonly provider: TelephonyProvider;
  /** Registers with the provider; resolves once calls can ring this tab. */
  register(): Promise<void>;
  /** Replaces the credential before it expires (the app asks the server again about hourly). */
  refresh(credential: BrowserCredential): Promise<void>;
  /** Unregisters and releases the SDK's sockets and devices (lock, sign-out, page close). */
  unregister(): Promise<void>;
}

/**
 * What the active-call card's network indicator reads (lib/calls/network-quality.ts): a peer
 * connection's statistics, or an SDK's own call-quality samples given in the same shape.
 */
export type CallStatsSource = Pick<RTCPeerConnection, 'getStats'>;

/** A call ringing this tab through a provider's browser leg. */
export interface IncomingProviderCall {
  readonly provider: TelephonyProvider;
  /** The hotline call it belongs to when the provider passed it along, else null. */
  readonly callId: string | null;
  /** Picks up with this microphone (the device chosen in My settings, or the default). */
  accept(options: { microphoneId?: string }): Promise<void>;
  /** Declines the ringing leg (the queue offers the volunteer the next call). */
  reject(): void;
  /** Ends an answered call from this side. */
  hangUp(): void;
  mute(muted: boolean): void;
  /** The caller's audio once answered (for the speaker choice and local transcription). */
  remoteStream(): MediaStream | null;
  /** This side's microphone as it goes to the caller, once answered (local transcription). */
  localStream(): MediaStream | null;
  /** The call's connection statistics once answered (the network indicator); null when the SDK has none. */
  statsSource(): CallStatsSource | null;
}

export interface ProviderPhoneEvents {
  incoming(call: IncomingProviderCall): void;
  /** The ringing or answered call ended (caller hung up, someone else answered, provider ended it). */
  ended(call: IncomingProviderCall): void;
  /** The answered call's audio is up both ways: its streams and statistics can be read. */
  connected(call: IncomingProviderCall): void;
  /** Registration failed or was lost: the message is for the volunteer (already translated by the caller). */
  error(error: Error): void;
}

/** Builds the phone for one provider's credential; the SDK is loaded lazily, only when used. */
export type ProviderPhoneFactory = (
  credential: BrowserCredential,
  events: ProviderPhoneEvents,
) => Promise<ProviderPhone>;

/** Why calls cannot ring this browser right now, for a notice (translated by the page). */
export type ProviderPhoneNotice = 'not-configured' | 'unavailable' | 'registration' | null;

export interface ProviderPhoneState {
  /** Providers whose phone is registered in this tab (calls of theirs can ring it). */
  registered: BrowserCredential['provider'][];
  /** The call ringing or answered through a provider's browser leg, if any. */
  call: IncomingProviderCall | null;
  /** The hotline call `call` belongs to: the provider's word for it, or the card the member answered. */
  callId: string | null;
  answered: boolean;
  /** The answered call's audio is up (its streams and statistics can be read). */
  connected: boolean;
  muted: boolean;
  notice: ProviderPhoneNotice;
}

/** No phone registered and no call: before the phones load (link.ts), and after they stop. */
export const IDLE_PROVIDER_PHONES: ProviderPhoneState = {
  registered: [],
  call: null,
  callId: null,
  answered: false,
  connected: false,
  muted: false,
  notice: null,
};
