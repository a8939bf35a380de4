/**
 * X-Plivo-Signature-V3 against the oracle, Plivo's own Node SDK (`plivo`, validateV3Signature),
 * over GET and POST, with and without query and body parameters, ports, repeated names and
 * encoded characters; then the fail-closed cases. Construction as documented at
 * https://www.plivo.com/docs/voice/concepts/signature-validation (and
 * https://docs.plivo.com/docs/voice/xml/request/validation for the headers).
 */
import { createHmac } from 'node:crypto';
import plivo from 'plivo';
import { describe, expect, it } from 'vitest';
import { makeWebhookRequest } from '../webhook-request.js';
import { plivoSignedUrl, plivoV3Signature, verifyPlivoWebhook } from './signature.js';

const TOKEN = 'MTAxMDEwMTAxMDEwMTAxMDEw-auth-token';
const NONCE = '05429567804466091622';
const validateV3Signature = (
  plivo as unknown as {
    validateV3Signature: (
      method: string,
      uri: string,
      nonce: string,
      token: string,
      signature: string,
      params?: object,
    ) => boolean;
  }
).validateV3Signature;

type Case = [method: 'GET' | 'POST', url: string, body: [string, string][]];
const CASES: Case[] = [
  ['GET', 'https://hotline.example/api/telephony/plivo/answer', []],
  ['GET', 'https://hotline.example/answer?b=2&a=1&a=0', []],
  ['POST', 'https://hotline.example/answer/', []],
  [
    'POST',
    'https://hotline.example/answer/',
    [
      ['To', '15551230001'],
      ['From', '15559870002'],
      ['CallUUID', 'x'],
    ],
  ],
  [
    'POST',
    'https://hotline.example:8443/api/telephony/plivo/status?call=c1&z=%20y',
    [['CallStatus', 'ringing']],
  ],
  [
    'POST',
    'https://hotline.example/',
    [
      ['A', '2'],
      ['A', '1'],
      ['B', 'ü & = ?'],
    ],
  ],
  ['POST', 'http://127.0.0.1:3000/a/b%2Fc?x=a%26b', [['Digits', '1']]],
];

const request = (method: string, url: string, body: [string, string][], headers: Record<string, string>) =>
  makeWebhookRequest({
    method,
    publicUrl: url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: method === 'POST' ? new URLSearchParams(body).toString() : '',
  });

const asSdkParams = (body: [string, string][]) => {
  const params: Record<string, string[]> = {};
  for (const [k, v] of body) params[k] = [...(params[k] ?? []), v];
  return params;
};

describe('Plivo V3 signatures', () => {
  it('what we compute, the SDK accepts; and what the SDK accepts, we accept', () => {
    for (const [method, url, body] of CASES) {
      const signature = plivoV3Signature(TOKEN, plivoSignedUrl(method, url, body), NONCE);
      expect(validateV3Signature(method, url, NONCE, TOKEN, signature, asSdkParams(body)), url).toBe(true);
      const headers = { 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': NONCE };
      expect(verifyPlivoWebhook(TOKEN, request(method, url, body, headers)), url).toBe(true);
    }
  });

  it('matches the documented construction by hand: URL, sorted params, ".", nonce, HMAC-SHA256, base64', () => {
    const url = 'https://hotline.example/answer/';
    const signed = plivoSignedUrl('POST', url, [
      ['To', '15551230001'],
      ['From', '15559870002'],
    ]);
    expect(signed).toBe('https://hotline.example/answer/?From15559870002To15551230001');
    const manual = createHmac('sha256', TOKEN).update(`${signed}.${NONCE}`).digest('base64');
    expect(plivoV3Signature(TOKEN, signed, NONCE)).toBe(manual);
    expect(plivoSignedUrl('GET', 'https://h.example/a?z=1&b=2', [])).toBe('https://h.example/a?b=2&z=1');
    expect(plivoSignedUrl('POST', 'https://h.example/a?z=1', [['Digits', '1']])).toBe(
      'https://h.example/a?z=1.Digits1',
    );
  });

  it('accepts any of several comma-separated signatures, and the main-account header', () => {
    const [method, url, body] = CASES[3]!;
    const good = plivoV3Signature(TOKEN, plivoSignedUrl(method, url, body), NONCE);
    const bad = plivoV3Signature('old-token-0123456789', plivoSignedUrl(method, url, body), NONCE);
    for (const header of [`${bad},${good}`, `${good}, ${bad}`])
      expect(
        verifyPlivoWebhook(
          TOKEN,
          request(method, url, body, { 'x-plivo-signature-v3': header, 'x-plivo-signature-v3-nonce': NONCE }),
        ),
      ).toBe(true);
    expect(
      verifyPlivoWebhook(
        TOKEN,
        request(method, url, body, { 'x-plivo-signature-ma-v3': good, 'x-plivo-signature-v3-nonce': NONCE }),
      ),
    ).toBe(true);
    expect(
      verifyPlivoWebhook(
        TOKEN,
        request(method, url, body, {
          'x-plivo-signature-v3': `${bad},${bad}`,
          'x-plivo-signature-v3-nonce': NONCE,
        }),
      ),
    ).toBe(false);
  });

  it('rejects any change to URL, body, nonce or token, where the SDK does too', () => {
    const [method, url, body] = CASES[4]!;
    const signature = plivoV3Signature(TOKEN, plivoSignedUrl(method, url, body), NONCE);
    const headers = { 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': NONCE };
    const variants: [string, [string, string][], Record<string, string>, string][] = [
      [url.replace('c1', 'c2'), body, headers, TOKEN],
      [url.replace(':8443', ''), body, headers, TOKEN],
      [url, [['CallStatus', 'completed']], headers, TOKEN],
      [url, [...body, ['Extra', '1']], headers, TOKEN],
      [url, body, { ...headers, 'x-plivo-signature-v3-nonce': '1' }, TOKEN],
      [url, body, headers, `${TOKEN}x`],
    ];
    for (const [u, b, h, t] of variants) {
      expect(verifyPlivoWebhook(t, request(method, u, b, h)), u).toBe(false);
      expect(
        validateV3Signature(
          method,
          u,
          h['x-plivo-signature-v3-nonce']!,
          t,
          h['x-plivo-signature-v3']!,
          asSdkParams(b),
        ),
      ).toBe(false);
    }
  });

  it('fails closed: no token, no nonce, no signature header', () => {
    const [method, url, body] = CASES[3]!;
    const signature = plivoV3Signature(TOKEN, plivoSignedUrl(method, url, body), NONCE);
    for (const token of [null, undefined, ''])
      expect(
        verifyPlivoWebhook(
          token,
          request(method, url, body, {
            'x-plivo-signature-v3': signature,
            'x-plivo-signature-v3-nonce': NONCE,
          }),
        ),
      ).toBe(false);
    expect(verifyPlivoWebhook(TOKEN, request(method, url, body, { 'x-plivo-signature-v3': signature }))).toBe(
      false,
    );
    expect(
      verifyPlivoWebhook(TOKEN, request(method, url, body, { 'x-plivo-signature-v3-nonce': NONCE })),
    ).toBe(false);
    expect(
      verifyPlivoWebhook(
        TOKEN,
        request(method, url, body, { 'x-plivo-signature-v3': ' , ', 'x-plivo-signature-v3-nonce': NONCE }),
      ),
    ).toBe(false);
    // The old V2 header (URL + nonce, no body) is not accepted in place of V3.
    const v2 = createHmac('sha256', TOKEN)
      .update(url + NONCE)
      .digest('base64');
    expect(
      verifyPlivoWebhook(
        TOKEN,
        request(method, url, body, { 'x-plivo-signature-v2': v2, 'x-plivo-signature-v2-nonce': NONCE }),
      ),
    ).toBe(false);
  });
});
