/** Vonage webhook payloads (https://developer.vonage.com/en/voice/voice-api/webhook-reference) → neutral events. */
import { describe, expect, it } from 'vitest';
import { WebhookPayloadError } from '../provider.js';
import { makeWebhookRequest } from '../webhook-request.js';
import { vonageEvents } from './events.js';

const { parseDigits, parseInboundCall, parseLegStatus, parseRecording } = vonageEvents;

const UUID = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
const post = (body: unknown) =>
  makeWebhookRequest({
    method: 'POST',
    publicUrl: 'https://hotline.example/v',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('Vonage events', () => {
  it('answer webhook, POST or GET: numbers gain their "+", withheld callers are null', () => {
    const body = { from: '447700900000', to: '442079460000', uuid: UUID, conversation_uuid: `CON-${UUID}` };
    expect(parseInboundCall(post(body))).toEqual({
      providerCallId: UUID,
      from: '+447700900000',
      to: '+442079460000',
    });
    const get = makeWebhookRequest({
      method: 'GET',
      publicUrl: `https://hotline.example/v?to=442079460000&from=Unknown&uuid=${UUID}`,
      headers: {},
      body: '',
    });
    expect(parseInboundCall(get)).toEqual({ providerCallId: UUID, from: null, to: '+442079460000' });
    expect(parseInboundCall(post({ ...body, from: undefined, from_user: 'jane' })).from).toBeNull();
    expect(() => parseInboundCall(post({ ...body, uuid: '../x' }))).toThrow(WebhookPayloadError);
    expect(() => parseInboundCall(post({ ...body, to: 'sip:x@y' }))).toThrow(WebhookPayloadError);
    expect(() => parseInboundCall(post([body]))).toThrow(WebhookPayloadError);
  });

  it('event webhook states map to leg statuses; other events are ignored', () => {
    const cases: [string, string | null][] = [
      ['started', 'queued'],
      ['ringing', 'ringing'],
      ['answered', 'in-progress'],
      ['completed', 'completed'],
      ['busy', 'busy'],
      ['cancelled', 'canceled'],
      ['unanswered', 'no-answer'],
      ['timeout', 'no-answer'],
      ['rejected', 'failed'],
      ['failed', 'failed'],
      ['human', null],
      ['transfer', null],
    ];
    for (const [status, neutral] of cases)
      expect(parseLegStatus(post({ uuid: UUID, status }))?.status ?? null, status).toBe(neutral);
    expect(parseLegStatus(post({ uuid: UUID, status: 'answered' }))).toEqual({
      legId: UUID,
      status: 'in-progress',
    });
  });

  it('input results: dtmf object, legacy string, timeout, and junk', () => {
    expect(parseDigits(post({ uuid: UUID, dtmf: { digits: '1', timed_out: false } }))).toEqual({
      legId: UUID,
      digits: '1',
    });
    expect(parseDigits(post({ uuid: UUID, dtmf: { digits: '', timed_out: true } })).digits).toBe('');
    expect(parseDigits(post({ uuid: UUID, dtmf: { digits: null, timed_out: false } })).digits).toBe('');
    expect(parseDigits(post({ uuid: UUID, dtmf: '9' })).digits).toBe('9');
    expect(() => parseDigits(post({ uuid: UUID, dtmf: { digits: '1; rm' } }))).toThrow(WebhookPayloadError);
    expect(() => parseDigits(post({ uuid: UUID, dtmf: { digits: 1 } }))).toThrow(WebhookPayloadError);
  });

  it('record events: only Vonage file URLs are kept, canonicalized (SSRF guard)', () => {
    const file = 'bbbbbbbb-aaaa-cccc-dddd-0123456789ab';
    const base = {
      start_time: '2020-01-01T12:00:00Z',
      end_time: '2020-01-01T12:01:05Z',
      recording_uuid: UUID,
      conversation_uuid: `CON-${UUID}`,
      size: 12222,
    };
    expect(
      parseRecording(post({ ...base, uuid: UUID, recording_url: `https://api.nexmo.com/v1/files/${file}` })),
    ).toEqual({
      callId: UUID,
      recordingRef: `https://api.nexmo.com/v1/files/${file}`,
      durationSeconds: 65,
    });
    for (const host of ['api-us.nexmo.com', 'api-eu.vonage.com', 'api.vonage.com', 'api-ap-3.vonage.com'])
      expect(
        parseRecording(post({ ...base, recording_url: `https://${host}/v1/files/${file}` }))?.recordingRef,
      ).toBe(`https://${host}/v1/files/${file}`);
    // No uuid in the event: no call id (a conversation id is not one); the router uses its URL.
    expect(
      parseRecording(post({ ...base, recording_url: `https://api.nexmo.com/v1/files/${file}` }))?.callId,
    ).toBeNull();
    const hostile = [
      `http://api.nexmo.com/v1/files/${file}`,
      `https://api.nexmo.com.evil.example/v1/files/${file}`,
      `https://evil.example/v1/files/${file}?api.nexmo.com`,
      `https://api.nexmo.com@evil.example/v1/files/${file}`,
      `https://user:pw@api.nexmo.com/v1/files/${file}`,
      `https://api.nexmo.com:8443/v1/files/${file}`,
      `https://api.nexmo.com/v1/files/${file}?redirect=https://evil.example`,
      `https://api.nexmo.com/v1/files/../../admin`,
      `https://169.254.169.254/v1/files/${file}`,
      `https://localhost/v1/files/${file}`,
      `https://xapi.nexmo.com/v1/files/${file}`,
      'file:///etc/passwd',
      42,
    ];
    for (const recording_url of hostile)
      expect(() => parseRecording(post({ ...base, recording_url })), String(recording_url)).toThrow(
        WebhookPayloadError,
      );
    expect(parseRecording(post({ uuid: UUID, status: 'completed' }))).toBeNull();
  });
});
