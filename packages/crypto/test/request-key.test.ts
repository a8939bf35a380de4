/**
 * Request keys (request-key.ts): a key round-trips, and any change to what its MAC binds, an
 * expired key, a stale request or a key from another server's secret is refused.
 */
import { describe, expect, it } from 'vitest';
import {
  AUTH_WINDOW_SECONDS,
  CryptoError,
  createAuthHeader,
  createRequestKeyHeader,
  deriveServerRequestKeySecret,
  generateSecretKey,
  getPublicKey,
  issueRequestKey,
  parseRequestKeyHeader,
  REQUEST_KEY_SECONDS,
  requestKeyOf,
  toHex,
  verifyRequestKeyHeader,
} from '../src/index.js';

const SECRET = deriveServerRequestKeySecret(new Uint8Array(32).fill(7), new Uint8Array(32).fill(1));
const OTHER_SECRET = deriveServerRequestKeySecret(new Uint8Array(32).fill(8), new Uint8Array(32).fill(1));
const PUBKEY = getPublicKey(generateSecretKey());
const NOW = 1_767_225_600;
const URL_ = 'https://hotline.example/api/me';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'none';
}

describe('request keys', () => {
  const issued = issueRequestKey(SECRET, PUBKEY, NOW);
  const get = { url: URL_, method: 'GET' };
  const header = createRequestKeyHeader(get, issued, NOW);

  it('issues a key the server can derive again from the key id alone', () => {
    expect(issued.expiresAt).toBe(NOW + REQUEST_KEY_SECONDS);
    expect(issued.keyId).toMatch(new RegExp(`^${PUBKEY}\\.${NOW + REQUEST_KEY_SECONDS}\\.[0-9a-f]{32}$`));
    expect(toHex(requestKeyOf(SECRET, issued.keyId))).toBe(toHex(issued.key));
    expect(toHex(requestKeyOf(OTHER_SECRET, issued.keyId))).not.toBe(toHex(issued.key));
    expect(issueRequestKey(SECRET, PUBKEY, NOW).keyId).not.toBe(issued.keyId);
  });

  it('verifies its own header and names the MAC as the replay id', () => {
    const verified = verifyRequestKeyHeader(header, get, SECRET, NOW + 30);
    const parsed = parseRequestKeyHeader(header);
    expect(verified).toEqual({
      pubkey: PUBKEY,
      eventId: parsed.mac,
      createdAt: NOW,
      rememberUntil: NOW + AUTH_WINDOW_SECONDS,
    });
    // Two requests in the same second differ by their nonce.
    expect(createRequestKeyHeader(get, issued, NOW)).not.toBe(header);
  });

  it('binds method, URL, body, time, nonce and key id', () => {
    const post = { url: URL_, method: 'POST', body: '{"a":1}' };
    const signed = createRequestKeyHeader(post, issued, NOW);
    expect(verifyRequestKeyHeader(signed, post, SECRET, NOW).pubkey).toBe(PUBKEY);
    expect(codeOf(() => verifyRequestKeyHeader(signed, { ...post, body: '{"a":2}' }, SECRET, NOW))).toBe(
      'AUTH_INVALID',
    );
    expect(codeOf(() => verifyRequestKeyHeader(signed, { ...post, method: 'PATCH' }, SECRET, NOW))).toBe(
      'AUTH_INVALID',
    );
    expect(codeOf(() => verifyRequestKeyHeader(signed, { ...post, url: `${URL_}?` }, SECRET, NOW))).toBe(
      'AUTH_INVALID',
    );
    const p = parseRequestKeyHeader(signed);
    const alter = (field: 'created' | 'nonce' | 'keyNonce' | 'expires' | 'pubkey') => {
      const parts = [
        p.pubkey,
        String(p.expiresAt),
        p.keyId.split('.')[2]!,
        String(p.createdAt),
        p.nonce,
        p.mac,
      ];
      const index = { pubkey: 0, expires: 1, keyNonce: 2, created: 3, nonce: 4 }[field];
      const value = parts[index]!;
      parts[index] = /^\d+$/.test(value)
        ? String(Number(value) - 1)
        : `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
      return `Llamenos-Key ${parts.join('.')}`;
    };
    for (const field of ['created', 'nonce', 'keyNonce', 'expires', 'pubkey'] as const)
      expect(
        codeOf(() => verifyRequestKeyHeader(alter(field), post, SECRET, NOW)),
        field,
      ).toBe('AUTH_INVALID');
  });

  it('refuses a key from another secret, an expired key and a stale request', () => {
    expect(codeOf(() => verifyRequestKeyHeader(header, get, OTHER_SECRET, NOW))).toBe('AUTH_INVALID');
    const last = createRequestKeyHeader(get, issued, issued.expiresAt);
    expect(codeOf(() => verifyRequestKeyHeader(last, get, SECRET, issued.expiresAt))).toBe('none');
    const late = createRequestKeyHeader(get, issued, issued.expiresAt + 1);
    expect(codeOf(() => verifyRequestKeyHeader(late, get, SECRET, issued.expiresAt + 1))).toBe(
      'AUTH_EXPIRED',
    );
    expect(codeOf(() => verifyRequestKeyHeader(header, get, SECRET, NOW + AUTH_WINDOW_SECONDS))).toBe('none');
    expect(codeOf(() => verifyRequestKeyHeader(header, get, SECRET, NOW + AUTH_WINDOW_SECONDS + 1))).toBe(
      'AUTH_EXPIRED',
    );
    expect(codeOf(() => verifyRequestKeyHeader(header, get, SECRET, NOW - AUTH_WINDOW_SECONDS - 1))).toBe(
      'AUTH_EXPIRED',
    );
  });

  it('refuses malformed credentials before any MAC is computed', () => {
    const credential = header.slice('Llamenos-Key '.length);
    const bad = [
      `Nostr ${credential}`,
      `llamenos-key ${credential}`,
      `Llamenos-Key  ${credential}`,
      `Llamenos-Key ${credential} `,
      `Llamenos-Key ${credential.toUpperCase()}`,
      `Llamenos-Key ${credential.split('.').slice(1).join('.')}`,
      `Llamenos-Key ${credential.replace(`.${NOW}.`, `.0${NOW}.`)}`,
      `Llamenos-Key ${credential}.00`,
      createAuthHeader(get, generateSecretKey(), NOW),
      '',
    ];
    for (const value of bad)
      expect(
        codeOf(() => verifyRequestKeyHeader(value, get, SECRET, NOW)),
        value,
      ).toBe('AUTH_INVALID');
  });

  it('refuses to make or accept a request for a URL that is not canonical', () => {
    expect(
      codeOf(() => createRequestKeyHeader({ url: 'https://h/api/./me', method: 'GET' }, issued, NOW)),
    ).toBe('MALFORMED');
    const dotted = { url: 'https://hotline.example/api/%2e/me', method: 'GET' };
    expect(codeOf(() => verifyRequestKeyHeader(header, dotted, SECRET, NOW))).toBe('AUTH_INVALID');
    expect(codeOf(() => createRequestKeyHeader(get, { ...issued, keyId: 'x' }, NOW))).toBe('MALFORMED');
    expect(codeOf(() => issueRequestKey(SECRET, PUBKEY.toUpperCase(), NOW))).toBe('MALFORMED');
  });

  it('signs a body by the hash a client already has', () => {
    const body = new Uint8Array([1, 2, 3]);
    const { bodySha256 } = { bodySha256: '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81' };
    const signed = createRequestKeyHeader({ url: URL_, method: 'PUT', bodySha256 }, issued, NOW);
    expect(verifyRequestKeyHeader(signed, { url: URL_, method: 'PUT', body }, SECRET, NOW).pubkey).toBe(
      PUBKEY,
    );
  });
});
