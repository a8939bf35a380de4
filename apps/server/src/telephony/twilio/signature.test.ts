/**
 * Twilio webhook signatures: Twilio's own published examples, then the official `twilio`
 * package (dev dependency only) as an oracle on generated URLs and parameters, both ways.
 */
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { makeWebhookRequest } from '../webhook-request.js';
import { bodySha256Hex, portVariants, twilioSignature, verifyTwilioWebhook } from './signature.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function formPost(url: string, params: [string, string][], signature?: string) {
  return makeWebhookRequest({
    method: 'POST',
    publicUrl: url,
    headers: { ...FORM, ...(signature ? { 'x-twilio-signature': signature } : {}) },
    body: new URLSearchParams(params).toString(),
  });
}

/**
 * The worked example of https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * ("Validating signatures from Twilio"): auth token 12345, this URL and these parameters.
 */
const DOCS = {
  token: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: [
    ['CallSid', 'CA1234567890ABCDE'],
    ['Caller', '+12349013030'],
    ['Digits', '1234'],
    ['From', '+12349013030'],
    ['To', '+18005551212'],
  ] as [string, string][],
  signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
};

/**
 * The same example as the earlier edition of Twilio's security page (twilio.com/docs/security,
 * and the twilio-php docs/usage/validation.rst) gave it, with other caller numbers.
 */
const LEGACY_DOCS = {
  ...DOCS,
  params: [
    ['CallSid', 'CA1234567890ABCDE'],
    ['Caller', '+14158675309'],
    ['Digits', '1234'],
    ['From', '+14158675309'],
    ['To', '+18005551212'],
  ] as [string, string][],
  signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
};

/**
 * JSON body example used by Twilio's helper libraries' own test suites (twilio-python
 * tests/unit/test_request_validator.py, twilio-csharp, twilio-php, twilio-go).
 */
const JSON_VECTOR = {
  token: '12345',
  body: '{"property": "value", "boolean": true}',
  bodyHash: '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620',
  signature: 'a9nBmqA0ju/hNViExpshrM61xv4=',
};

describe("Twilio's published examples", () => {
  it('computes the documented signature', () => {
    expect(twilioSignature(DOCS.token, DOCS.url, DOCS.params)).toBe(DOCS.signature);
    expect(twilioSignature(LEGACY_DOCS.token, LEGACY_DOCS.url, LEGACY_DOCS.params)).toBe(
      LEGACY_DOCS.signature,
    );
  });

  it('verifies the documented request, whatever order the body lists the parameters in', () => {
    expect(verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, DOCS.params, DOCS.signature))).toBe(true);
    const reversed = [...DOCS.params].reverse();
    expect(verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, reversed, DOCS.signature))).toBe(true);
    expect(
      verifyTwilioWebhook(
        LEGACY_DOCS.token,
        formPost(LEGACY_DOCS.url, LEGACY_DOCS.params, LEGACY_DOCS.signature),
      ),
    ).toBe(true);
  });

  it('verifies the JSON body example through bodySHA256', () => {
    expect(bodySha256Hex(JSON_VECTOR.body)).toBe(JSON_VECTOR.bodyHash);
    const request = makeWebhookRequest({
      method: 'POST',
      publicUrl: JSON_VECTOR.url,
      headers: { 'content-type': 'application/json', 'x-twilio-signature': JSON_VECTOR.signature },
      body: JSON_VECTOR.body,
    });
    expect(verifyTwilioWebhook(JSON_VECTOR.token, request)).toBe(true);
    const tampered = makeWebhookRequest({
      method: 'POST',
      publicUrl: JSON_VECTOR.url,
      headers: { 'content-type': 'application/json', 'x-twilio-signature': JSON_VECTOR.signature },
      body: '{"property": "evil", "boolean": true}',
    });
    expect(verifyTwilioWebhook(JSON_VECTOR.token, tampered)).toBe(false);
  });
});

describe('rejections (fail closed)', () => {
  const good = () => formPost(DOCS.url, DOCS.params, DOCS.signature);

  it('refuses every request when no auth token is configured', () => {
    for (const token of ['', null, undefined]) expect(verifyTwilioWebhook(token, good())).toBe(false);
  });

  it('refuses a request without a signature header, or with an empty one', () => {
    expect(verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, DOCS.params))).toBe(false);
    const empty = makeWebhookRequest({
      method: 'POST',
      publicUrl: DOCS.url,
      headers: { ...FORM, 'x-twilio-signature': '' },
      body: new URLSearchParams(DOCS.params).toString(),
    });
    expect(verifyTwilioWebhook(DOCS.token, empty)).toBe(false);
  });

  it('refuses a tampered, added or removed parameter', () => {
    const tampered = DOCS.params.map(([k, v]): [string, string] => [k, k === 'Digits' ? '1' : v]);
    expect(verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, tampered, DOCS.signature))).toBe(false);
    const added: [string, string][] = [...DOCS.params, ['To2', '+1']];
    expect(verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, added, DOCS.signature))).toBe(false);
    expect(verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, DOCS.params.slice(1), DOCS.signature))).toBe(
      false,
    );
  });

  it('refuses another URL (host, scheme, path or query), the wrong token, a truncated signature', () => {
    for (const url of [
      'https://evil.example/myapp.php?foo=1&bar=2',
      'http://mycompany.com/myapp.php?foo=1&bar=2',
      'https://mycompany.com/other.php?foo=1&bar=2',
      'https://mycompany.com/myapp.php?foo=1&bar=3',
      'https://mycompany.com:8443/myapp.php?foo=1&bar=2',
    ])
      expect(verifyTwilioWebhook(DOCS.token, formPost(url, DOCS.params, DOCS.signature)), url).toBe(false);
    expect(verifyTwilioWebhook('54321', good())).toBe(false);
    expect(
      verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, DOCS.params, DOCS.signature.slice(0, -1))),
    ).toBe(false);
  });

  it('refuses a JSON body whose hash is not the one in the URL, even if the URL is signed', () => {
    const url = `https://h.example/hook?bodySHA256=${bodySha256Hex('{"a":1}')}`;
    const signature = twilioSignature('tok-123456', url);
    const ok = (body: string) =>
      verifyTwilioWebhook(
        'tok-123456',
        makeWebhookRequest({
          method: 'POST',
          publicUrl: url,
          headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
          body,
        }),
      );
    expect(ok('{"a":1}')).toBe(true);
    expect(ok('{"a":2}')).toBe(false);
  });
});

describe('port forms', () => {
  it('lists the URL with and without its default port, never dropping another port', () => {
    expect(portVariants('https://a.example/x?y=1')).toEqual([
      'https://a.example/x?y=1',
      'https://a.example:443/x?y=1',
    ]);
    expect(portVariants('https://a.example:443/x')).toEqual([
      'https://a.example:443/x',
      'https://a.example/x',
    ]);
    expect(portVariants('http://a.example/x')).toEqual(['http://a.example/x', 'http://a.example:80/x']);
    expect(portVariants('http://[::1]:8080/x')).toEqual(['http://[::1]:8080/x']);
    expect(portVariants('http://[::1]/x')).toEqual(['http://[::1]/x', 'http://[::1]:80/x']);
  });

  it('accepts a signature made over either form', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    const signedWithPort = twilioSignature(DOCS.token, withPort, DOCS.params);
    expect(verifyTwilioWebhook(DOCS.token, formPost(DOCS.url, DOCS.params, signedWithPort))).toBe(true);
    expect(verifyTwilioWebhook(DOCS.token, formPost(withPort, DOCS.params, DOCS.signature))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The official SDK as an oracle.

/** Deterministic generator, so a failure names a case that can be run again. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const VALUE_CHARS = `${ALPHABET} +&=%/?#:;,é日本🙂\n'"<>`;

function makeCase(random: () => number) {
  const pick = (chars: string, n: number) =>
    Array.from({ length: n }, () => [...chars][Math.floor(random() * [...chars].length)]).join('');
  const scheme = random() < 0.5 ? 'https' : 'http';
  const port = random() < 0.3 ? (scheme === 'https' ? ':443' : ':80') : '';
  const query = random() < 0.6 ? `?${pick(ALPHABET, 3)}=${pick(ALPHABET, 4)}&x=${pick('0123456789', 2)}` : '';
  const url = `${scheme}://${pick(ALPHABET, 8).toLowerCase()}.example${port}/${pick(ALPHABET, 6)}/hook${query}`;
  const params: Record<string, string> = {};
  const count = Math.floor(random() * 8);
  for (let i = 0; i < count; i++)
    params[pick(ALPHABET, 1 + Math.floor(random() * 10))] = pick(VALUE_CHARS, Math.floor(random() * 20));
  return { url, params, token: pick(ALPHABET, 32) };
}

const pairs = (params: Record<string, string>) => Object.entries(params);
const otherPortForm = (url: string) => portVariants(url)[1] ?? url;

describe('agreement with the official twilio package', () => {
  it('computes the same signature on generated URLs and parameters', () => {
    const random = prng(20240611);
    for (let i = 0; i < 300; i++) {
      const { url, params, token } = makeCase(random);
      expect(twilioSignature(token, url, pairs(params)), `case ${i}: ${url}`).toBe(
        twilio.getExpectedTwilioSignature(token, url, params),
      );
    }
  });

  it('each accepts what the other signed, in both port forms', () => {
    const random = prng(7);
    for (let i = 0; i < 200; i++) {
      const { url, params, token } = makeCase(random);
      const theirs = twilio.getExpectedTwilioSignature(token, url, params);
      const ours = twilioSignature(token, url, pairs(params));
      expect(verifyTwilioWebhook(token, formPost(url, pairs(params), theirs)), `case ${i}`).toBe(true);
      expect(
        verifyTwilioWebhook(token, formPost(otherPortForm(url), pairs(params), theirs)),
        `case ${i}`,
      ).toBe(true);
      expect(twilio.validateRequest(token, ours, url, params), `case ${i}`).toBe(true);
      expect(twilio.validateRequest(token, ours, otherPortForm(url), params), `case ${i}`).toBe(true);
    }
  });

  it('both refuse a tampered parameter', () => {
    const random = prng(99);
    for (let i = 0; i < 100; i++) {
      const { url, params, token } = makeCase(random);
      const signature = twilio.getExpectedTwilioSignature(token, url, params);
      const tampered = { ...params, Injected: 'x' };
      expect(verifyTwilioWebhook(token, formPost(url, pairs(tampered), signature))).toBe(false);
      expect(twilio.validateRequest(token, signature, url, tampered)).toBe(false);
    }
  });

  it('agrees on JSON bodies signed through bodySHA256', () => {
    const random = prng(3);
    for (let i = 0; i < 100; i++) {
      const { url, params, token } = makeCase(random);
      const body = JSON.stringify(params);
      const signedUrl = `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${twilio.getExpectedBodyHash(body)}`;
      const theirs = twilio.getExpectedTwilioSignature(token, signedUrl, {});
      const request = (publicUrl: string, raw: string) =>
        makeWebhookRequest({
          method: 'POST',
          publicUrl,
          headers: { 'content-type': 'application/json', 'x-twilio-signature': theirs },
          body: raw,
        });
      expect(verifyTwilioWebhook(token, request(signedUrl, body)), `case ${i}`).toBe(true);
      expect(verifyTwilioWebhook(token, request(otherPortForm(signedUrl), body)), `case ${i}`).toBe(true);
      expect(verifyTwilioWebhook(token, request(signedUrl, `${body} `)), `case ${i}`).toBe(false);
      expect(twilio.validateRequestWithBody(token, twilioSignature(token, signedUrl), signedUrl, body)).toBe(
        true,
      );
    }
  });
});

describe('GET webhooks', () => {
  it('sign the URL (with its query) alone', () => {
    const url = 'https://h.example/voice?CallSid=CA1&From=%2B15551234567';
    const signature = twilio.getExpectedTwilioSignature('tok-123456', url, {});
    const request = makeWebhookRequest({
      method: 'GET',
      publicUrl: url,
      headers: { 'x-twilio-signature': signature },
      body: '',
    });
    expect(verifyTwilioWebhook('tok-123456', request)).toBe(true);
  });
});
