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
 * Plivo's callback parameters (form posts: CallUUID, RequestUUID, From, To, CallStatus, Digits,
 * RecordingID, RecordingDuration) as neutral events.
 *
 * Leg ids: a call we place is known by its request_uuid from the moment the API answers, and
 * Plivo reports it as RequestUUID on that call's callbacks and as the call's CallUUID once it is
 * connected, so a leg's id is RequestUUID when present and CallUUID otherwise.
 */
export const PLIVO_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const STATUS: Record<string, LegStatus> = {
  queued: 'queued',
  ringing: 'ringing',
  'early-media': 'ringing',
  'in-progress': 'in-progress',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  timeout: 'no-answer',
  failed: 'failed',
  cancel: 'canceled',
  canceled: 'canceled',
  cancelled: 'canceled',
};

const id = (params: URLSearchParams, name: string): string =>
  requiredField('plivo', name, params.get(name), PLIVO_ID);

const legIdOf = (params: URLSearchParams) =>
  params.get('RequestUUID') ? id(params, 'RequestUUID') : id(params, 'CallUUID');

/** Plivo sends numbers as digits without "+", sometimes with it. */
function phone(value: string | null): string | null {
  if (value === null || !/^\+?\d{8,15}$/.test(value)) return null;
  const e164 = value.startsWith('+') ? value : `+${value}`;
  return E164.safeParse(e164).success ? e164 : null;
}

export const plivoEvents: WebhookEvents = {
  parseInboundCall(request) {
    const params = webhookParams(request);
    const to = phone(params.get('To'));
    if (!to) throw malformedWebhook('plivo', 'To is not a phone number');
    return { providerCallId: id(params, 'CallUUID'), from: phone(params.get('From')), to };
  },

  parseLegStatus(request) {
    const params = webhookParams(request);
    const status = STATUS[params.get('CallStatus') ?? ''];
    return status ? { legId: legIdOf(params), status } : null;
  },

  /** GetInput's action, or the Redirect after it when no key was pressed (no Digits). */
  parseDigits(request) {
    const params = webhookParams(request);
    const digits = keyPresses('plivo', params.get('Digits'), 'Digits is malformed');
    return { legId: legIdOf(params), digits };
  },

  /**
   * The Record callback (RecordingID set) or its action. Only the id is kept: the RecordUrl in
   * the request is never fetched; fetchRecording asks the API for the file by id.
   */
  parseRecording(request) {
    const params = webhookParams(request);
    if (!params.get('RecordingID')) return null;
    return {
      callId: id(params, 'CallUUID'),
      recordingRef: id(params, 'RecordingID'),
      durationSeconds: wholeSeconds(params.get('RecordingDuration')),
    };
  },
};
