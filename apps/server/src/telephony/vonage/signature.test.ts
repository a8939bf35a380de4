/**
 * Vonage signed-webhook verification (see signature.ts for the sources). Tokens are made the way
 * Vonage makes them: HS256 under the signature secret, with iat, jti, api_key, application_id
 * and payload_hash = hex SHA-256 of the payload. Our HS256 signer is itself checked against
 * @vonage/jwt in jwt.test.ts.
 */
import { createHash } from 'node:crypto';
import { verifySignature } from '@vonage/jwt';
import { describe, expect, it } from 'vitest';
import { makeWebhookRequest } from '../webhook-request.js';
import { signHs256 } from './jwt.js';
import { verifyVonageWebhook } from './signature.js';

const SECRET = 'vonage-signature-secret-0123456789';
const KEYS = {
  signatureSecret: SECRET,
  apiKey: 'abcd1234',
  applicationId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
};
const NOW = 1_750_000_000;
const URL_ = 'https://hotline.example/api/telephony/vonage/status?call=c1';
const BODY = JSON.stringify({
  from: '447700900000',
  to: '447700900001',
  uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  conversation_uuid: 'CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  status: 'answered',
  direction: 'outbound',
  timestamp: '2020-01-01T12:00:00.000Z',
});
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function token(overrides: Record<string, unknown> = {}, secret = SECRET, body = BODY): string {
  return signHs256(
    {
      iat: NOW,
      jti: 'c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5',
      iss: 'Vonage',
      api_key: KEYS.apiKey,
      application_id: KEYS.applicationId,
      payload_hash: sha(body),
      ...overrides,
    },
    secret,
  );
}

function post(authorization: string | null, body = BODY, url = URL_) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  return makeWebhookRequest({ method: 'POST', publicUrl: url, headers, body });
}

describe('verifyVonageWebhook', () => {
  it('accepts a Vonage-style signed POST, whose token the SDK also accepts', () => {
    const jwt = token();
    expect(verifySignature(jwt, SECRET)).toBe(true);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${jwt}`), NOW)).toBe(true);
    expect(verifyVonageWebhook(KEYS, post(`bearer ${jwt}`), NOW + 299)).toBe(true);
  });

  it('binds the body: any change to its content, or to its key order, fails', () => {
    const jwt = token();
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${jwt}`, BODY.replace('answered', 'completed')), NOW)).toBe(
      false,
    );
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(BODY)).reverse()));
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${jwt}`, reordered), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${jwt}`, `${BODY.slice(0, -1)},"x":1}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${jwt}`, ''), NOW)).toBe(false);
  });

  it('hashes the raw bytes: a pretty-printed body verifies by its own hash, not by the compact form', () => {
    const pretty = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({}, SECRET, pretty)}`, pretty), NOW)).toBe(true);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token()}`, pretty), NOW)).toBe(false);
  });

  it('never serializes the body: a signed body nested 5,000 levels deep is answered, not a crash', () => {
    const deep = `{"uuid":"x","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const check = () => verifyVonageWebhook(KEYS, post(`Bearer ${token({}, SECRET, deep)}`, deep), NOW);
    expect(check).not.toThrow();
    expect(check()).toBe(true);
  });

  it('fails closed: no secret, no header, other schemes, wrong secret', () => {
    const jwt = token();
    for (const secret of [null, undefined, ''])
      expect(verifyVonageWebhook({ ...KEYS, signatureSecret: secret }, post(`Bearer ${jwt}`), NOW)).toBe(
        false,
      );
    expect(verifyVonageWebhook(KEYS, post(null), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(jwt), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Basic ${Buffer.from('a:b').toString('base64')}`), NOW)).toBe(
      false,
    );
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({}, 'another-secret-0123456789')}`), NOW)).toBe(
      false,
    );
  });

  it('rejects an SMS-style `sig` request: voice webhooks are verified by the JWT only', () => {
    const body = `${BODY.slice(0, -1)},"sig":"${'A'.repeat(64)}","timestamp":"${NOW}"}`;
    expect(verifyVonageWebhook(KEYS, post(null, body), NOW)).toBe(false);
  });

  it('checks iat within five minutes either way, and exp when given', () => {
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ iat: NOW - 301 })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ iat: NOW + 301 })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ iat: undefined })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ iat: String(NOW) })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ exp: NOW - 1 })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ exp: NOW + 60 })}`), NOW)).toBe(true);
  });

  it('requires payload_hash, and refuses tokens naming another account or application', () => {
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ payload_hash: undefined })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ payload_hash: 'xyz' })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ api_key: 'other' })}`), NOW)).toBe(false);
    expect(verifyVonageWebhook(KEYS, post(`Bearer ${token({ application_id: 'other' })}`), NOW)).toBe(false);
    // Claims Vonage leaves out are not required.
    expect(
      verifyVonageWebhook(
        KEYS,
        post(`Bearer ${token({ api_key: undefined, application_id: undefined })}`),
        NOW,
      ),
    ).toBe(true);
  });

  it('GET answer webhooks: the hash is over the query parameters as a JSON object, in their order', () => {
    const url =
      'https://hotline.example/api/telephony/vonage/answer?to=447700900001&from=447700900000&uuid=aaaaaaaa-bbbb-cccc-dddd-0123456789ab&conversation_uuid=CON-x';
    const params = {
      to: '447700900001',
      from: '447700900000',
      uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      conversation_uuid: 'CON-x',
    };
    const get = (jwt: string, target = url) =>
      makeWebhookRequest({
        method: 'GET',
        publicUrl: target,
        headers: { authorization: `Bearer ${jwt}` },
        body: '',
      });
    const jwt = token({ payload_hash: sha(JSON.stringify(params)) });
    expect(verifyVonageWebhook(KEYS, get(jwt), NOW)).toBe(true);
    expect(verifyVonageWebhook(KEYS, get(jwt, url.replace('447700900000', '447700900009')), NOW)).toBe(false);
    // A GET with no parameters hashes "{}" (or the empty body).
    const bare = 'https://hotline.example/api/telephony/vonage/answer';
    expect(verifyVonageWebhook(KEYS, get(token({ payload_hash: sha('{}') }), bare), NOW)).toBe(true);
    expect(verifyVonageWebhook(KEYS, get(token({ payload_hash: sha('') }), bare), NOW)).toBe(true);
    expect(verifyVonageWebhook(KEYS, get(token({ payload_hash: sha('') }), url), NOW)).toBe(false);
  });
});
