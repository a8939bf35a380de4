/**
 * A client that hashed a large body already (an upload chunk, with WebCrypto in a worker)
 * signs with that hash; the token must be exactly as valid as one whose body was hashed here,
 * and a hash of other bytes must fail verification against the body sent.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { createAuthHeader, generateSecretKey, toHex, verifyAuthHeader } from '../src/index.js';
import { codeOf } from './error-code.js';

const key = generateSecretKey();
const url = 'https://h.example/api/attachments/x/chunks/0';
const body = Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff);

describe('createAuthHeader with a precomputed body hash', () => {
  it('verifies against the body it hashes', () => {
    const header = createAuthHeader({ url, method: 'PUT', bodySha256: toHex(sha256(body)) }, key);
    expect(() => verifyAuthHeader(header, { url, method: 'PUT', body })).not.toThrow();
  });

  it('a hash of other bytes does not verify', () => {
    const other = toHex(sha256(body.subarray(1)));
    const header = createAuthHeader({ url, method: 'PUT', bodySha256: other }, key);
    expect(codeOf(() => verifyAuthHeader(header, { url, method: 'PUT', body }))).toBe('AUTH_MISMATCH');
  });

  it('refuses a hash that is not 64 lowercase hex characters', () => {
    for (const bad of ['', 'AB'.repeat(32), 'a'.repeat(63), 'g'.repeat(64)])
      expect(codeOf(() => createAuthHeader({ url, method: 'PUT', bodySha256: bad }, key))).toBe('MALFORMED');
  });
});
