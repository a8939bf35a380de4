/** Plivo callback parameters → neutral events. */
import { describe, expect, it } from 'vitest';
import { WebhookPayloadError } from '../provider.js';
import { makeWebhookRequest } from '../webhook-request.js';
import { plivoEvents } from './events.js';

const { parseDigits, parseInboundCall, parseLegStatus, parseRecording } = plivoEvents;

const CALL = '11111111-2222-3333-4444-555555555555';
const REQUEST = '66666666-7777-8888-9999-000000000000';
const post = (params: Record<string, string>) =>
  makeWebhookRequest({
    method: 'POST',
    publicUrl: 'https://hotline.example/p',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });

describe('Plivo events', () => {
  it('inbound calls, with withheld callers as null', () => {
    expect(
      parseInboundCall(
        post({ CallUUID: CALL, From: '15551230001', To: '15559870002', Direction: 'inbound' }),
      ),
    ).toEqual({
      providerCallId: CALL,
      from: '+15551230001',
      to: '+15559870002',
    });
    expect(parseInboundCall(post({ CallUUID: CALL, From: 'anonymous', To: '+15559870002' })).from).toBeNull();
    expect(() => parseInboundCall(post({ CallUUID: '../x', To: '15559870002' }))).toThrow(
      WebhookPayloadError,
    );
  });

  it('leg status by RequestUUID (our leg id), else CallUUID; unknown words ignored', () => {
    expect(parseLegStatus(post({ CallUUID: CALL, RequestUUID: REQUEST, CallStatus: 'ringing' }))).toEqual({
      legId: REQUEST,
      status: 'ringing',
    });
    expect(parseLegStatus(post({ CallUUID: CALL, CallStatus: 'completed' }))).toEqual({
      legId: CALL,
      status: 'completed',
    });
    expect(parseLegStatus(post({ CallUUID: CALL, CallStatus: 'timeout' }))?.status).toBe('no-answer');
    expect(parseLegStatus(post({ CallUUID: CALL, CallStatus: 'cancel' }))?.status).toBe('canceled');
    expect(parseLegStatus(post({ CallUUID: CALL, CallStatus: 'whatever' }))).toBeNull();
  });

  it('digits: pressed, none (the Redirect after GetInput), junk', () => {
    expect(parseDigits(post({ CallUUID: CALL, Digits: '1', InputType: 'dtmf' }))).toEqual({
      legId: CALL,
      digits: '1',
    });
    expect(parseDigits(post({ CallUUID: CALL }))).toEqual({ legId: CALL, digits: '' });
    expect(() => parseDigits(post({ CallUUID: CALL, Digits: '1<' }))).toThrow(WebhookPayloadError);
  });

  it('recordings by id only; the RecordUrl in the request is ignored', () => {
    expect(
      parseRecording(
        post({
          CallUUID: CALL,
          RecordingID: REQUEST,
          RecordUrl: 'https://evil.example/x',
          RecordingDuration: '41',
        }),
      ),
    ).toEqual({ callId: CALL, recordingRef: REQUEST, durationSeconds: 41 });
    expect(parseRecording(post({ CallUUID: CALL }))).toBeNull();
    expect(() => parseRecording(post({ CallUUID: CALL, RecordingID: 'https://evil.example/x' }))).toThrow(
      WebhookPayloadError,
    );
  });
});
