import { E164 } from '@llamenos/protocol';
import type { LegStatus, WebhookEvents } from '../provider.js';
import {
  keyPresses,
  malformedWebhook,
  requiredField,
  webhookParams,
  wholeSeconds,
} from '../webhook-request.js';

/**
 * Twilio's webhook parameters (CallSid, From, To, CallStatus, Digits, Recording*) mapped to
 * neutral events. SignalWire's compatibility API sends the same names with other id forms,
 * hence `ids`. Ids are checked against their form here, because they later go into REST paths.
 */
export interface TwilioIdForms {
  provider: string;
  call: RegExp;
  recording: RegExp;
}

const STATUS: Record<string, LegStatus> = {
  queued: 'queued',
  initiated: 'queued',
  ringing: 'ringing',
  'in-progress': 'in-progress',
  answered: 'in-progress',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  canceled: 'canceled',
};

function required(params: URLSearchParams, name: string, pattern: RegExp, provider: string): string {
  return requiredField(provider, name, params.get(name), pattern);
}

const isE164 = (value: string | null): value is string => value !== null && E164.safeParse(value).success;

/** The four webhook parsers for one set of id forms (Twilio's, or SignalWire's through the same API). */
export function twilioParsers(ids: TwilioIdForms): WebhookEvents {
  return {
    parseInboundCall(request) {
      const params = webhookParams(request);
      const providerCallId = required(params, 'CallSid', ids.call, ids.provider);
      const to = params.get('To');
      if (!isE164(to)) throw malformedWebhook(ids.provider, 'To is not an E.164 number');
      // Withheld callers arrive as "anonymous", "+266696687", "client:…" or "sip:…": no usable number.
      const from = params.get('From');
      return { providerCallId, from: isE164(from) && from !== '+266696687' ? from : null, to };
    },

    /** Null for a status word with no neutral meaning (nothing to do, but not an error). */
    parseLegStatus(request) {
      const params = webhookParams(request);
      const legId = required(params, 'CallSid', ids.call, ids.provider);
      const status = STATUS[params.get('CallStatus') ?? ''];
      return status ? { legId, status } : null;
    },

    parseDigits(request) {
      const params = webhookParams(request);
      const legId = required(params, 'CallSid', ids.call, ids.provider);
      const digits = keyPresses(ids.provider, params.get('Digits'), 'Digits is malformed');
      return { legId, digits };
    },

    /**
     * From a recording status callback (RecordingStatus) or a <Record> action (no status). Only
     * the RecordingSid is kept: the RecordingUrl in the request is never fetched, so a forged or
     * replayed callback cannot make the server download from an address of its choosing.
     */
    parseRecording(request) {
      const params = webhookParams(request);
      const status = params.get('RecordingStatus');
      // A <Record> action after the caller hung up silently carries no RecordingSid: nothing to fetch.
      if ((status !== null && status !== 'completed') || !params.get('RecordingSid')) return null;
      const callId = required(params, 'CallSid', ids.call, ids.provider);
      const recordingRef = required(params, 'RecordingSid', ids.recording, ids.provider);
      return { callId, recordingRef, durationSeconds: wholeSeconds(params.get('RecordingDuration')) };
    },
  };
}
