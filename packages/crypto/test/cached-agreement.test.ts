import { describe, expect, it } from 'vitest';
import {
  cachedAgreement,
  fromHex,
  generateSecretKey,
  getPublicKey,
  LABEL_MESSAGE_KEY_WRAP,
  secureRandom,
  unwrapKey,
  WRAP_LENGTH,
  wrapKeyWith,
} from '../src/index.js';

/**
 * `wrapKeyWith` + `cachedAgreement` (the server's sealing path) makes wraps the reference
 * `unwrapKey` opens, for readers seen again (table reused) and after older tables were dropped.
 */
describe('cachedAgreement', () => {
  it('makes wraps the reference opens, with tables reused and evicted', () => {
    const agree = cachedAgreement(2);
    const readers = Array.from({ length: 3 }, () => generateSecretKey());
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:7d0c3a52-9b1e-4c6f-8a2d-5e4f3b2a1c0d' };
    const ephemerals = new Set<string>();
    for (const round of [0, 1, 2])
      for (const secret of readers) {
        const key = secureRandom(32);
        const wrap = wrapKeyWith(key, getPublicKey(secret), ctx, agree);
        expect(wrap.length, `round ${round}`).toBe(WRAP_LENGTH);
        expect(unwrapKey(wrap, secret, ctx)).toEqual(key);
        ephemerals.add(Buffer.from(wrap.subarray(1, 34)).toString('hex'));
      }
    // A fresh ephemeral key for every wrap.
    expect(ephemerals.size).toBe(9);
  });

  it('a wrap for one reader does not open for another', () => {
    const agree = cachedAgreement();
    const [a, b] = [generateSecretKey(), generateSecretKey()];
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:x' };
    const wrap = wrapKeyWith(fromHex('11'.repeat(32), 32), getPublicKey(a), ctx, agree);
    expect(() => unwrapKey(wrap, b, ctx)).toThrow();
  });
});
