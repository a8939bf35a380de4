import type { LegStatus, WebhookEvents, WebhookRequest } from '../provider.js';
import { keyPresses, malformedWebhook, requiredField, wholeSeconds } from '../webhook-request.js';
import { fromVonageNumber, VONAGE_CALL_ID, vonageRecordingUrl } from './ids.js';

/**
 * Vonage Voice API webhooks mapped to neutral events. The answer webhook is a GET with query
 * parameters unless the application sets answer_method POST (then a JSON body, like every other
 * voice webhook); both are read. Field names: https://developer.vonage.com/en/voice/voice-api/webhook-reference
 */
type Fields = Record<string, unknown>;

function fieldsOf(request: WebhookRequest): Fields {
  if (request.method === 'GET') return Object.fromEntries(new URL(request.publicUrl).searchParams);
  const body = request.json;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw malformedWebhook('vonage', 'body is not a JSON object');
  return body as Fields;
}

const callId = (fields: Fields, name = 'uuid'): string =>
  requiredField('vonage', name, fields[name], VONAGE_CALL_ID);

/** Vonage's call states (event webhook `status`) in neutral words; others are ignored. */
const STATUS: Record<string, LegStatus> = {
  started: 'queued',
  ringing: 'ringing',
  answered: 'in-progress',
  completed: 'completed',
  busy: 'busy',
  cancelled: 'canceled',
  unanswered: 'no-answer',
  timeout: 'no-answer',
  rejected: 'failed',
  failed: 'failed',
};

export const vonageEvents: WebhookEvents = {
  parseInboundCall(request) {
    const fields = fieldsOf(request);
    const providerCallId = callId(fields);
    const to = fromVonageNumber(fields.to);
    if (!to) throw malformedWebhook('vonage', 'to is not a phone number');
    return { providerCallId, from: fromVonageNumber(fields.from), to };
  },

  parseLegStatus(request) {
    const fields = fieldsOf(request);
    const status = typeof fields.status === 'string' ? STATUS[fields.status] : undefined;
    // Record, input, transfer and human/machine events also arrive here; they are not leg states.
    if (!status) return null;
    return { legId: callId(fields), status };
  },

  /** The input action's result: {dtmf: {digits, timed_out}}; older accounts send dtmf as a string. */
  parseDigits(request) {
    const fields = fieldsOf(request);
    const legId = callId(fields);
    const dtmf = fields.dtmf;
    const raw =
      typeof dtmf === 'string'
        ? dtmf
        : typeof dtmf === 'object' && dtmf !== null
          ? (dtmf as Fields).digits
          : '';
    return { legId, digits: keyPresses('vonage', raw, 'dtmf digits are malformed') };
  },

  /**
   * The record action's event: recording_url names the file. The URL is kept only after its host
   * and path pass the allow-list (see ids.ts). The event documents conversation_uuid rather than
   * the call's uuid; uuid is used when present. Without it the call id is null: a conversation id
   * is not a call id, and the router knows the call by the `call` parameter of our event URL.
   */
  parseRecording(request) {
    const fields = fieldsOf(request);
    if (fields.recording_url === undefined) return null;
    const recordingRef = vonageRecordingUrl(fields.recording_url);
    if (!recordingRef) throw malformedWebhook('vonage', 'recording_url is not a Vonage file URL');
    const id = fields.uuid === undefined ? null : callId(fields);
    const start = Date.parse(String(fields.start_time ?? ''));
    const end = Date.parse(String(fields.end_time ?? ''));
    const seconds = Number.isFinite(start) && Number.isFinite(end) && end > start ? (end - start) / 1000 : 0;
    return { callId: id, recordingRef, durationSeconds: wholeSeconds(seconds) };
  },
};
