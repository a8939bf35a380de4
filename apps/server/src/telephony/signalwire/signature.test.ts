/**
 * SignalWire webhook signatures. SignalWire publishes no worked example; its compatibility
 * callbacks use Twilio's construction under the project's signing key, so the official
 * `twilio` package is the oracle for that form, and the JSON form (hex HMAC-SHA1 over URL +
 * raw body, as SignalWire's SDK documentation describes it) is computed independently here.
 * (@signalwire/compatibility-api, which has a validateRequest, unpacks to ~48 MB: not installed.)
 */
import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { makeWebhookRequest } from '../webhook-request.js';
import { verifySignalWireWebhook } from './signature.js';

const KEY = 'PSK_a1b2c3d4e5f6a7b8c9d0e1f2';
const API_TOKEN = 'PT1234567890abcdef1234567890abcdef';
const URL_ = 'https://hotline.example/api/telephony/signalwire/voice?call=abc';
const PARAMS = {
  CallSid: '9d6d3a4e-8f1b-4c2a-9e5d-1a2b3c4d5e6f',
  From: '+15551230001',
  To: '+15559870002',
  CallStatus: 'ringing',
};

function formPost(url: string, headers: Record<string, string>, params: Record<string, string> = PARAMS) {
  return makeWebhookRequest({
    method: 'POST',
    publicUrl: url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

describe('SignalWire compatibility (form) signatures', () => {
  const signature = twilio.getExpectedTwilioSignature(KEY, URL_, PARAMS);

  it('accepts the Twilio construction under the signing key, in X-SignalWire-Signature or X-Twilio-Signature', () => {
    expect(verifySignalWireWebhook(KEY, formPost(URL_, { 'x-signalwire-signature': signature }))).toBe(true);
    expect(verifySignalWireWebhook(KEY, formPost(URL_, { 'x-twilio-signature': signature }))).toBe(true);
  });

  it('accepts both port forms', () => {
    const withPort = URL_.replace('hotline.example', 'hotline.example:443');
    const signedWithPort = twilio.getExpectedTwilioSignature(KEY, withPort, PARAMS);
    expect(verifySignalWireWebhook(KEY, formPost(URL_, { 'x-signalwire-signature': signedWithPort }))).toBe(
      true,
    );
  });

  it('fails closed: no signing key, no header, another key (the API token), a tampered parameter', () => {
    const headers = { 'x-signalwire-signature': signature };
    for (const key of ['', null, undefined])
      expect(verifySignalWireWebhook(key, formPost(URL_, headers))).toBe(false);
    expect(verifySignalWireWebhook(KEY, formPost(URL_, {}))).toBe(false);
    const byToken = twilio.getExpectedTwilioSignature(API_TOKEN, URL_, PARAMS);
    expect(verifySignalWireWebhook(KEY, formPost(URL_, { 'x-signalwire-signature': byToken }))).toBe(false);
    expect(
      verifySignalWireWebhook(KEY, formPost(URL_, headers, { ...PARAMS, CallStatus: 'completed' })),
    ).toBe(false);
    expect(verifySignalWireWebhook(KEY, formPost(URL_.replace('hotline', 'evil'), headers))).toBe(false);
  });
});

describe('SignalWire JSON signatures', () => {
  const body = JSON.stringify({ event_type: 'calling.call.state', params: { call_id: PARAMS.CallSid } });
  const hex = createHmac('sha1', KEY).update(`${URL_}${body}`).digest('hex');
  const json = (raw: string, signature: string) =>
    makeWebhookRequest({
      method: 'POST',
      publicUrl: URL_,
      headers: { 'content-type': 'application/json', 'x-signalwire-signature': signature },
      body: raw,
    });

  it('accepts hex HMAC-SHA1 over URL + raw body', () => {
    expect(verifySignalWireWebhook(KEY, json(body, hex))).toBe(true);
  });

  it('refuses another body, another key, no key', () => {
    expect(verifySignalWireWebhook(KEY, json(`${body} `, hex))).toBe(false);
    const other = createHmac('sha1', API_TOKEN).update(`${URL_}${body}`).digest('hex');
    expect(verifySignalWireWebhook(KEY, json(body, other))).toBe(false);
    expect(verifySignalWireWebhook('', json(body, hex))).toBe(false);
  });
});
