import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import {
  cachedAgreement,
  compressedFromXOnly,
  fromHex,
  generateSecretKey,
  getPublicKey,
  LABEL_MESSAGE_KEY_WRAP,
  secureRandom,
  toHex,
  unwrapKey,
  WRAP_LENGTH,
  wrapKeyWith,
} from '../src/index.js';

/** Fresh ephemeral key pairs whose secrets the test keeps, to see that each is wiped. */
function keptKeyPairs() {
  const secrets: Uint8Array[] = [];
  const pair = () => {
    const secret = generateSecretKey();
    secrets.push(secret);
    return { secret, publicKey: compressedFromXOnly(fromHex(getPublicKey(secret), 32)) };
  };
  return { secrets, pair };
}

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

  it('refuses a key that is not on the curve every time, not only the first (the check is remembered only for good keys)', () => {
    const agree = cachedAgreement();
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:x' };
    // x = 5 is not the x-coordinate of a secp256k1 point (5^3 + 7 = 132 has no square root mod p).
    const offCurve = `${'00'.repeat(31)}05`;
    for (const _ of [0, 1])
      expect(() => wrapKeyWith(secureRandom(32), offCurve, ctx, agree)).toThrow(/not on secp256k1/);
    const reader = getPublicKey(generateSecretKey());
    const first = agree.parseRecipient?.(reader);
    first?.fill(0);
    // Altering what one wrap was handed does not alter the next wrap's recipient.
    expect(agree.parseRecipient?.(reader)).toEqual(fromHex(reader, 32));
  });

  it('with ephemeral key pairs from elsewhere (the server: OpenSSL), still the reference format; each secret wiped', () => {
    const { secrets, pair } = keptKeyPairs();
    const agree = cachedAgreement(4, secureRandom, pair);
    const reader = generateSecretKey();
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:y' };
    for (const _ of [0, 1]) {
      const key = secureRandom(32);
      expect(unwrapKey(wrapKeyWith(key, getPublicKey(reader), ctx, agree), reader, ctx)).toEqual(key);
    }
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret.every((b) => b === 0)).toBe(true);
  });

  it('forOneObject: one ephemeral key for the wraps of one object, each wrap opening only for its reader; a new key per object; wiped after', () => {
    const { secrets, pair } = keptKeyPairs();
    const agree = cachedAgreement(8, secureRandom, pair);
    const readers = Array.from({ length: 4 }, () => generateSecretKey());
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:shared' };
    const ephemeralsByObject: Set<string>[] = [];
    let kept: ((p: Uint8Array) => unknown) | undefined;
    for (const _ of [0, 1]) {
      const key = secureRandom(32);
      const wraps = agree.forOneObject((one) => {
        kept = one;
        return readers.map((r) => wrapKeyWith(key, getPublicKey(r), ctx, one));
      });
      const ephemerals = new Set(wraps.map((w) => Buffer.from(w.subarray(1, 34)).toString('hex')));
      ephemeralsByObject.push(ephemerals);
      // Same ephemeral key, different sealed keys (each KEK is the reader's own shared point).
      expect(ephemerals.size).toBe(1);
      expect(new Set(wraps.map((w) => Buffer.from(w.subarray(58)).toString('hex'))).size).toBe(4);
      readers.forEach((r, i) => {
        expect(unwrapKey(wraps[i] as Uint8Array, r, ctx)).toEqual(key);
        const other = readers[(i + 1) % readers.length] as Uint8Array;
        expect(() => unwrapKey(wraps[i] as Uint8Array, other, ctx)).toThrow();
      });
    }
    const [first, second] = ephemeralsByObject.map((set) => [...set][0]);
    expect(first).not.toBe(second);
    // One key pair per object, wiped when its wraps are made; the object's agreement is closed.
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret.every((b) => b === 0)).toBe(true);
    const reader = compressedFromXOnly(fromHex(getPublicKey(readers[0] as Uint8Array), 32));
    expect(() => kept?.(reader)).toThrow(/after its object was sealed/);
    // Called directly, still a fresh key per wrap.
    const direct = readers.map((r) => wrapKeyWith(secureRandom(32), getPublicKey(r), ctx, agree));
    expect(new Set(direct.map((w) => Buffer.from(w.subarray(1, 34)).toString('hex'))).size).toBe(4);
  });

  it('reuseWindow: one ephemeral key for the objects of a short window, each wrap opening only for its reader and record; a new key after the window or its count; wiped', () => {
    const { secrets, pair } = keptKeyPairs();
    const agree = cachedAgreement(8, secureRandom, pair);
    let clock = 1_000;
    const window = agree.reuseWindow({ maxAgeMs: 250, maxObjects: 3, now: () => clock });
    const readers = Array.from({ length: 3 }, () => generateSecretKey());
    const seal = (recordId: string) => {
      const key = secureRandom(32);
      const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId };
      const wraps = window.forOneObject((one) =>
        readers.map((r) => wrapKeyWith(key, getPublicKey(r), ctx, one)),
      );
      return { key, ctx, wraps, ephemeral: toHex((wraps[0] as Uint8Array).subarray(1, 34)) };
    };
    const a = seal('message:a');
    clock += 100;
    const b = seal('message:b');
    // Within the window: the same ephemeral key for both objects, and the wraps still open only
    // for their own reader and their own record (the record id is in each wrap's AAD).
    expect(b.ephemeral).toBe(a.ephemeral);
    for (const sealed of [a, b])
      readers.forEach((r, i) => {
        const wrap = sealed.wraps[i] as Uint8Array;
        expect(toHex(wrap.subarray(1, 34))).toBe(sealed.ephemeral);
        expect(unwrapKey(wrap, r, sealed.ctx)).toEqual(sealed.key);
        expect(() => unwrapKey(wrap, readers[(i + 1) % 3] as Uint8Array, sealed.ctx)).toThrow();
      });
    expect(() => unwrapKey(a.wraps[0] as Uint8Array, readers[0] as Uint8Array, b.ctx)).toThrow();
    // Each wrap has its own nonce, so the same reader's two wraps differ (the KEK is the same).
    expect(toHex((a.wraps[0] as Uint8Array).subarray(34, 58))).not.toBe(
      toHex((b.wraps[0] as Uint8Array).subarray(34, 58)),
    );
    expect(secrets).toHaveLength(1);
    // The third object ends the count: the fourth draws a new key, and the old one is wiped.
    const c = seal('message:c');
    expect(c.ephemeral).toBe(a.ephemeral);
    const d = seal('message:d');
    expect(d.ephemeral).not.toBe(a.ephemeral);
    expect(secrets).toHaveLength(2);
    expect(secrets[0]?.every((byte) => byte === 0)).toBe(true);
    // The window's time: not yet over, nothing wiped; over, the key is wiped without a next object.
    clock += 249;
    expect(window.wipeExpired()).toBe(1);
    expect(secrets[1]?.some((byte) => byte !== 0)).toBe(true);
    clock += 1;
    expect(window.wipeExpired()).toBeNull();
    expect(secrets[1]?.every((byte) => byte === 0)).toBe(true);
    const e = seal('message:e');
    expect(e.ephemeral).not.toBe(d.ephemeral);
    expect(secrets).toHaveLength(3);
    // An agreement kept past its object is refused; called directly, a fresh key per wrap.
    let kept: ((p: Uint8Array) => unknown) | undefined;
    window.forOneObject((one) => {
      kept = one;
    });
    const reader = compressedFromXOnly(fromHex(getPublicKey(readers[0] as Uint8Array), 32));
    expect(() => kept?.(reader)).toThrow(/after its object was sealed/);
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:f' };
    const direct = readers.map((r) => wrapKeyWith(secureRandom(32), getPublicKey(r), ctx, window));
    expect(new Set(direct.map((w) => toHex(w.subarray(1, 34)))).size).toBe(3);
    // The agreement the window came from keeps its own one-object key (a window is not installed on it).
    expect(agree.forOneObject).not.toBe(window.forOneObject);
    const objectWraps = agree.forOneObject((one) =>
      readers.map((r) => wrapKeyWith(secureRandom(32), getPublicKey(r), ctx, one)),
    );
    expect(new Set(objectWraps.map((w) => toHex(w.subarray(1, 34)))).size).toBe(1);
    expect(toHex((objectWraps[0] as Uint8Array).subarray(1, 34))).not.toBe(e.ephemeral);
  });

  it('with another table window (the server: 8 bits), still wraps the reference opens', () => {
    const reader = generateSecretKey();
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:window' };
    for (const window of [4, 8]) {
      const agree = cachedAgreement(2, secureRandom, undefined, window);
      for (const _ of [0, 1]) {
        const key = secureRandom(32);
        expect(unwrapKey(wrapKeyWith(key, getPublicKey(reader), ctx, agree), reader, ctx)).toEqual(key);
      }
    }
  });

  it('a wrap for one reader does not open for another', () => {
    const agree = cachedAgreement();
    const [a, b] = [generateSecretKey(), generateSecretKey()];
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:x' };
    const wrap = wrapKeyWith(fromHex('11'.repeat(32), 32), getPublicKey(a), ctx, agree);
    expect(() => unwrapKey(wrap, b, ctx)).toThrow();
  });
});

/** Wycheproof's ECDH file, read as standards.test.ts reads it (LLAMENOS_VECTORS_DIR or ../shared/vectors). */
function wycheproofEcdh(): { result: string; public: string; private: string; shared: string }[] {
  const override = process.env.LLAMENOS_VECTORS_DIR;
  const dir = override
    ? `${override.replace(/\/$/, '')}/`
    : fileURLToPath(new URL('../../../../shared/vectors/', import.meta.url));
  const file = JSON.parse(readFileSync(`${dir}wycheproof/ecdh_secp256k1_test.json`, 'utf8')) as {
    testGroups: { tests: { result: string; public: string; private: string; shared: string }[] }[];
  };
  return file.testGroups.flatMap((g) => g.tests);
}

describe("cachedAgreement.prepare (the server warms its readers' tables before their first wrap)", () => {
  it("a prepared table gives Wycheproof's shared x-coordinates, at the server's 8-bit window and the default", () => {
    // Valid cases whose public key is an uncompressed point at the end of the SPKI (04 || x || y):
    // the x-only reader is x (P and -P share the x-coordinate of d·P).
    const cases = wycheproofEcdh().filter((c) => {
      const der = c.public.toLowerCase();
      return c.result === 'valid' && der.slice(-130, -128) === '04';
    });
    expect(cases.length).toBeGreaterThan(400);
    // Every 32nd: a table is about 40 ms to build at 8 bits.
    const sample = cases.filter((_, i) => i % 32 === 0);
    for (const window of [8, 6]) {
      let secret: Uint8Array = new Uint8Array(32);
      const agree = cachedAgreement(
        64,
        secureRandom,
        () => {
          const copy = secret.slice();
          return { secret: copy, publicKey: secp256k1.getPublicKey(copy, true) };
        },
        window,
      );
      for (const c of sample) {
        const reader = c.public.toLowerCase().slice(-128, -64);
        const d = BigInt(`0x${c.private}`);
        secret = fromHex(d.toString(16).padStart(64, '0'), 32);
        expect(agree.prepare(reader)).toBe(true);
        const { sharedX } = agree(compressedFromXOnly(fromHex(reader, 32)));
        expect(toHex(sharedX), `window ${window}`).toBe(c.shared);
      }
    }
  });

  it('builds once, is used by the next wraps (which the reference opens), and refuses a key off the curve', () => {
    const agree = cachedAgreement(2, secureRandom, undefined, 8);
    const reader = generateSecretKey();
    expect(agree.prepare(getPublicKey(reader))).toBe(true);
    expect(agree.prepare(getPublicKey(reader))).toBe(false);
    const ctx = { label: LABEL_MESSAGE_KEY_WRAP, recordId: 'message:prepared' };
    const key = secureRandom(32);
    expect(unwrapKey(wrapKeyWith(key, getPublicKey(reader), ctx, agree), reader, ctx)).toEqual(key);
    // Evicted by two newer readers, then built again.
    agree.prepare(getPublicKey(generateSecretKey()));
    agree.prepare(getPublicKey(generateSecretKey()));
    expect(agree.prepare(getPublicKey(reader))).toBe(true);
    expect(() => agree.prepare(`${'00'.repeat(31)}05`)).toThrow(/not on secp256k1/);
  });
});
