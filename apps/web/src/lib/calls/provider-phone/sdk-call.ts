import { z } from 'zod';

/**
 * What the provider SDK adapters (twilio.ts, plivo.ts, vonage.ts) share: reading the hotline
 * call id a provider passed along with a ringing leg, the microphone constraint, and telling the
 * app once that a call ended whichever of the SDK's several events said so first.
 */

/** The hotline's call id as the server creates them; anything else from the provider is dropped. */
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

/**
 * When "1" is sent after pickup: the leg is screened like a phone leg ("press 1 to take this
 * call", docs/CALLS.md), and the provider's prompt may not be listening the instant the call is
 * up, so the key goes again a few times; once the call is the volunteer's, keys are ignored.
 */
export const PRESS_ONE_AT_MS = [300, 1_500, 4_000, 7_000];

/** Presses "1" on the schedule above while `live()` holds; the returned function stops it. */
export function pressOneAfterAnswer(press: () => void, live: () => boolean): () => void {
  const timers = PRESS_ONE_AT_MS.map((at) =>
    setTimeout(() => {
      if (!live()) return;
      try {
        press();
      } catch {
        // the call ended between the check and the key
      }
    }, at),
  );
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
