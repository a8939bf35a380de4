import { z } from 'zod';

/**
 * What the provider phone adapters (sip.ts, twilio.ts, plivo.ts, vonage.ts) share: reading the
 * hotline call id a provider passed along with a ringing leg, the microphone constraint, and
 * telling the app once that a call ended whichever of the SDK's several events said so first.
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
