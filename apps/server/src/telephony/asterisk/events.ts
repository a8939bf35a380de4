import { E164 } from '@llamenos/protocol';
import type { LegStatus, TelephonyEvent } from '../provider.js';
import { wholeSeconds } from '../webhook-request.js';

/**
 * ARI events (https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/Asterisk_REST_Interface/Asterisk_REST_Data_Models/)
 * mapped to neutral events. Pure: the adapter adds what needs state (whether a digit answers a
 * pending screening prompt).
 *
 * - StasisStart of a channel we originated (appArgs LEG_APP_ARG): the volunteer answered, so
 *   that leg is 'in-progress'; of a hand-over or listener channel, or a snoop channel
 *   (HANDOVER_APP_ARG, LISTENER_APP_ARG, SNOOP_APP_ARG): nothing here (the adapter's waits take
 *   the first two); any other StasisStart is a caller reaching the hotline.
 * - ChannelStateChange: Ring/Ringing → 'ringing', Busy → 'busy'. Up is not reported: an
 *   originated channel goes Up just before it enters our application, and the router screens a
 *   leg on 'in-progress', which must come from StasisStart (only then may we play to it).
 * - ChannelDestroyed: the hangup cause (Q.850) decides busy / no-answer / failed / completed.
 * - StasisEnd: the channel left our application: 'completed'.
 * - ChannelDtmfReceived: one digit.
 * - RecordingFinished: the stored recording's name is the reference.
 */
export const LEG_APP_ARG = 'llamenos-leg';
/**
 * appArgs of a channel rung to take over a connected call (connected-calls.ts): its StasisStart
 * is the new volunteer picking up, which the adapter keeps to itself (no race, no screening), and
 * it is never a caller.
 */
export const HANDOVER_APP_ARG = 'llamenos-handover';
/** appArgs of an admin's browser phone rung to listen silently (connected-calls.ts): kept by the adapter, never a caller. */
export const LISTENER_APP_ARG = 'llamenos-listener';
/** appArgs of the snoop channel that carries a call's two sides to that listener: never a caller. */
export const SNOOP_APP_ARG = 'llamenos-snoop';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** ARI channel ids ("1700000000.42", or a UUID we chose); they go into REST paths. */
export const ARI_CHANNEL_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Stored recording names we create (see perform.ts). */
export const ARI_RECORDING_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** A caller id or extension as E.164: "+15551234567" or "15551234567"; else null. */
function ariNumber(value: unknown): string | null {
  if (typeof value !== 'string' || !/^\+?\d{8,15}$/.test(value)) return null;
  const e164 = value.startsWith('+') ? value : `+${value}`;
  return E164.safeParse(e164).success ? e164 : null;
}

const STATE: Record<string, LegStatus> = {
  Ring: 'ringing',
  Ringing: 'ringing',
  Busy: 'busy',
};

/** Q.850 causes: 17 user busy, 21 call rejected; 18/19 no answer; the network failures. */
function statusOfCause(cause: unknown): LegStatus {
  switch (cause) {
    case 17:
    case 21:
      return 'busy';
    case 18:
    case 19:
      return 'no-answer';
    case 1:
    case 3:
    case 27:
    case 34:
    case 38:
    case 41:
    case 42:
      return 'failed';
    default:
      return 'completed';
  }
}

interface MapContext {
  /** The hotline number to report when the dialled extension is not a phone number. */
  defaultTo: string | null;
}

export function mapAriEvent(event: unknown, context: MapContext): TelephonyEvent | null {
  const e = obj(event);
  const channel = obj(e.channel);
  const channelId = str(channel.id);
  const validId = channelId !== null && ARI_CHANNEL_ID.test(channelId);
  switch (e.type) {
    case 'StasisStart': {
      if (!validId) return null;
      const args = Array.isArray(e.args) ? e.args : [];
      if (args[0] === LEG_APP_ARG) return { kind: 'leg-status', legId: channelId, status: 'in-progress' };
      if (args[0] === HANDOVER_APP_ARG || args[0] === LISTENER_APP_ARG || args[0] === SNOOP_APP_ARG)
        return null;
      const to = ariNumber(obj(channel.dialplan).exten) ?? context.defaultTo;
      if (!to) return null;
      return {
        kind: 'inbound-call',
        providerCallId: channelId,
        from: ariNumber(obj(channel.caller).number),
        to,
      };
    }
    case 'ChannelStateChange': {
      const status = STATE[String(channel.state)];
      return validId && status ? { kind: 'leg-status', legId: channelId, status } : null;
    }
    case 'ChannelDestroyed':
      return validId ? { kind: 'leg-status', legId: channelId, status: statusOfCause(e.cause) } : null;
    case 'StasisEnd':
      return validId ? { kind: 'leg-status', legId: channelId, status: 'completed' } : null;
    case 'ChannelDtmfReceived': {
      const digit = str(e.digit);
      return validId && digit && /^[0-9*#]$/.test(digit)
        ? { kind: 'digits', legId: channelId, digits: digit }
        : null;
    }
    case 'RecordingFinished': {
      const recording = obj(e.recording);
      const name = str(recording.name);
      const target = /^channel:([A-Za-z0-9._-]{1,128})$/.exec(String(recording.target_uri ?? ''));
      if (!name || !ARI_RECORDING_NAME.test(name) || !target) return null;
      return {
        kind: 'recording-ready',
        callId: target[1]!,
        recordingRef: name,
        durationSeconds: wholeSeconds(recording.duration),
      };
    }
    default:
      return null;
  }
}
