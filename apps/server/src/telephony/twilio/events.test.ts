import { describe, expect, it } from 'vitest';
import { WebhookPayloadError } from '../provider.js';
import { makeWebhookRequest } from '../webhook-request.js';
import { createTwilioAdapter } from './adapter.js';

const adapter = createTwilioAdapter({ accountSid: `AC${'1'.repeat(32)}`, authToken: 'tok-0123456789' });
const CALL = `CA${'a'.repeat(32)}`;
const RECORDING = `RE${'b'.repeat(32)}`;

const post = (params: Record<string, string>) =>
  makeWebhookRequest({
    method: 'POST',
    publicUrl: 'https://hotline.example/api/telephony/twilio/voice',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });

describe('Twilio payloads → neutral events', () => {
  it('inbound call: ids and numbers; a withheld caller is null', () => {
    const base = { CallSid: CALL, To: '+15559870002', Direction: 'inbound', CallStatus: 'ringing' };
    expect(adapter.parseInboundCall(post({ ...base, From: '+15551230001' }))).toEqual({
      providerCallId: CALL,
      from: '+15551230001',
      to: '+15559870002',
    });
    for (const from of ['anonymous', '+266696687', 'client:alice', 'sip:a@b.example', ''])
      expect(adapter.parseInboundCall(post({ ...base, From: from })).from, from).toBeNull();
  });

  it('inbound call: a missing CallSid or a To that is not a number is a payload error', () => {
    expect(() => adapter.parseInboundCall(post({ To: '+15559870002', From: '+15551230001' }))).toThrow(
      WebhookPayloadError,
    );
    expect(() =>
      adapter.parseInboundCall(post({ CallSid: CALL, To: 'client:x', From: '+15551230001' })),
    ).toThrow(WebhookPayloadError);
    expect(() => adapter.parseInboundCall(post({ CallSid: '../x', To: '+15559870002' }))).toThrow(
      WebhookPayloadError,
    );
  });

  it('leg status: every Twilio status word maps; unknown words are ignored', () => {
    const cases: Record<string, string> = {
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
    for (const [word, status] of Object.entries(cases))
      expect(adapter.parseLegStatus(post({ CallSid: CALL, CallStatus: word })), word).toEqual({
        legId: CALL,
        status,
      });
    expect(adapter.parseLegStatus(post({ CallSid: CALL, CallStatus: 'teleported' }))).toBeNull();
  });

  it('digits: keys only; empty on timeout', () => {
    expect(adapter.parseDigits(post({ CallSid: CALL, Digits: '1' }))).toEqual({ legId: CALL, digits: '1' });
    expect(adapter.parseDigits(post({ CallSid: CALL }))).toEqual({ legId: CALL, digits: '' });
    expect(() => adapter.parseDigits(post({ CallSid: CALL, Digits: '1<x>' }))).toThrow(WebhookPayloadError);
  });

  it('recording: the sid is kept, the URL in the request is not', () => {
    const event = adapter.parseRecording(
      post({
        CallSid: CALL,
        RecordingSid: RECORDING,
        RecordingStatus: 'completed',
        RecordingDuration: '42',
        RecordingUrl: 'https://evil.example/steal',
      }),
    );
    expect(event).toEqual({ callId: CALL, recordingRef: RECORDING, durationSeconds: 42 });
    expect(JSON.stringify(event)).not.toContain('evil');
  });

  it('recording: absent or failed is null; a <Record> action without a recording is null', () => {
    for (const status of ['absent', 'failed', 'in-progress'])
      expect(
        adapter.parseRecording(post({ CallSid: CALL, RecordingSid: RECORDING, RecordingStatus: status })),
      ).toBeNull();
    expect(adapter.parseRecording(post({ CallSid: CALL }))).toBeNull();
    expect(() => adapter.parseRecording(post({ CallSid: CALL, RecordingSid: 'https://x' }))).toThrow(
      WebhookPayloadError,
    );
  });

  it('GET webhooks carry their parameters in the query', () => {
    const request = makeWebhookRequest({
      method: 'GET',
      publicUrl: `https://hotline.example/voice?CallSid=${CALL}&CallStatus=busy`,
      headers: {},
      body: '',
    });
    expect(adapter.parseLegStatus(request)).toEqual({ legId: CALL, status: 'busy' });
  });
});
