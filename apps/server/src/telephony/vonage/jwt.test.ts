/**
 * Our JWT code against an independent implementation: @vonage/jwt (Vonage's own SDK, which
 * verifies with jsonwebtoken) as the oracle, plus jwt.io's published HS256 example.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { tokenGenerate, verifySignature } from '@vonage/jwt';
import { describe, expect, it } from 'vitest';
import { signApplicationToken, signHs256, verifyHs256 } from './jwt.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const APPLICATION_ID = '2a8e8a3f-1c1b-4a6e-9a8a-6a0d8d1f3b7c';
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());

describe('RS256 application tokens', () => {
  it('verify under the public key with Vonage’s SDK, and carry the claims its own tokens carry', () => {
    const ours = signApplicationToken({ applicationId: APPLICATION_ID, privateKey });
    expect(verifySignature(ours, publicKey)).toBe(true);
    const theirs = tokenGenerate(APPLICATION_ID, privateKey);
    expect(Object.keys(claimsOf(ours)).sort()).toEqual(Object.keys(claimsOf(theirs)).sort());
    expect(headerOf(ours)).toEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = claimsOf(ours);
    expect(claims.application_id).toBe(APPLICATION_ID);
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a fresh jti every time; an older PKCS#1 key works too', () => {
    const a = claimsOf(signApplicationToken({ applicationId: APPLICATION_ID, privateKey }));
    const b = claimsOf(signApplicationToken({ applicationId: APPLICATION_ID, privateKey }));
    expect(a.jti).not.toBe(b.jti);
    const pkcs1 = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const token = signApplicationToken({ applicationId: APPLICATION_ID, privateKey: pkcs1.privateKey });
    expect(verifySignature(token, pkcs1.publicKey)).toBe(true);
    expect(verifySignature(token, publicKey)).toBe(false);
  });
});

describe('HS256 verification', () => {
  const secret = 'signature-secret-0123456789abcdef';

  it('accepts jwt.io’s published HS256 example (https://jwt.io/, secret "your-256-bit-secret")', () => {
    const token =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    expect(verifyHs256(token, 'your-256-bit-secret')).toEqual({
      sub: '1234567890',
      name: 'John Doe',
      iat: 1516239022,
    });
    expect(verifyHs256(token, 'your-256-bit-secreT')).toBeNull();
    expect(verifySignature(token, 'your-256-bit-secret')).toBe(true);
  });

  it('agrees with the SDK on tokens we sign, both ways', () => {
    const token = signHs256({ iat: 1, payload_hash: 'ab'.repeat(32), api_key: 'key' }, secret);
    expect(verifySignature(token, secret)).toBe(true);
    expect(verifyHs256(token, secret)).toMatchObject({ api_key: 'key' });
    expect(verifySignature(token, `${secret}x`)).toBe(false);
    expect(verifyHs256(token, `${secret}x`)).toBeNull();
  });

  it('rejects tampered tokens exactly where the SDK does', () => {
    const token = signHs256({ iat: 1, api_key: 'key' }, secret);
    const [h, c, s] = token.split('.') as [string, string, string];
    const otherClaims = Buffer.from(JSON.stringify({ iat: 1, api_key: 'evil' })).toString('base64url');
    const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
    for (const bad of [`${h}.${otherClaims}.${s}`, `${h}.${c}.${flipped}`, `${h}.${c}.`, `${h}.${c}`]) {
      expect(verifyHs256(bad, secret), bad).toBeNull();
      expect(verifySignature(bad, secret), bad).toBe(false);
    }
  });

  it('refuses alg none, other algorithms and confusions, whatever the MAC', () => {
    const claims = Buffer.from(JSON.stringify({ iat: 1 })).toString('base64url');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${claims}.`;
    expect(verifyHs256(none, secret)).toBeNull();
    for (const alg of ['none', 'RS256', 'HS384', 'HS512', 'hs256', 'ES256']) {
      const token = signHs256({ iat: 1 }, secret, { alg });
      expect(verifyHs256(token, secret), alg).toBeNull();
    }
    expect(verifyHs256(signHs256({ iat: 1 }, secret, { typ: 'JWS+other' }), secret)).toBeNull();
  });

  it('fails closed on an empty secret and on malformed input', () => {
    expect(verifyHs256(signHs256({ iat: 1 }, ''), '')).toBeNull();
    for (const bad of ['', 'a.b', 'a.b.c.d', '..', 'e30.e30.!!!!', `${'x'.repeat(10)}.%%.y`])
      expect(verifyHs256(bad, secret), bad).toBeNull();
    // Claims that are not a JSON object are refused even under a right MAC.
    const arrayClaims = signHs256({ iat: 1 }, secret).split('.');
    const header = arrayClaims[0]!;
    const body = Buffer.from('[1,2]').toString('base64url');
    const mac = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
    expect(verifyHs256(`${header}.${body}.${mac}`, secret)).toBeNull();
  });
});
