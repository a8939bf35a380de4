/**
 * Standards test vectors (BIP-340 and Wycheproof), run in full against this package
 * and the primitives it is built on. Every loop asserts how many cases it ran, so an
 * empty or mis-read vector file fails instead of passing silently.
 */
import { createHash, createHmac, hkdfSync, pbkdf2Sync } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import {
  deriveKey,
  getPublicKey,
  PROTOCOL_SALT,
  pbkdf2Sha256,
  sharedX,
  signSchnorr,
  verifySchnorr,
} from '../src/index.js';
import { readVector, type WycheproofCase, wycheproof } from './wycheproof.js';

const bytes = (h: string): Uint8Array => hex.decode(h.toLowerCase());

// ---------------------------------------------------------------------------------------------

/**
 * An independent BIP-340 (final revision) written from the specification text with plain
 * bigints and node:crypto SHA-256: slow, but shares no code with noble.
 */
const bip340Reference = (() => {
  const p = 2n ** 256n - 2n ** 32n - 977n;
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  type Point = readonly [bigint, bigint] | null;
  const G: Point = [
    0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
    0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
  ];
  const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
  const pow = (base: bigint, exp: bigint, m: bigint) => {
    let result = 1n;
    let b = mod(base, m);
    for (let e = exp; e > 0n; e >>= 1n) {
      if (e & 1n) result = (result * b) % m;
      b = (b * b) % m;
    }
    return result;
  };
  /** Modular inverse by the extended Euclidean algorithm (much faster than a^(p-2) with bigints). */
  const inv = (a: bigint) => {
    let [r0, r1] = [mod(a, p), p];
    let [s0, s1] = [1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    if (r0 !== 1n) throw new Error('not invertible');
    return mod(s0, p);
  };
  const add = (a: Point, b: Point): Point => {
    if (a === null) return b;
    if (b === null) return a;
    const [x1, y1] = a;
    const [x2, y2] = b;
    if (x1 === x2 && mod(y1 + y2, p) === 0n) return null;
    const lambda = x1 === x2 ? mod(3n * x1 * x1 * inv(2n * y1), p) : mod((y2 - y1) * inv(mod(x2 - x1, p)), p);
    const x3 = mod(lambda * lambda - x1 - x2, p);
    return [x3, mod(lambda * (x1 - x3) - y1, p)];
  };
  const mul = (k: bigint, point: Point): Point => {
    let result: Point = null;
    let addend = point;
    for (let e = k; e > 0n; e >>= 1n) {
      if (e & 1n) result = add(result, addend);
      addend = add(addend, addend);
    }
    return result;
  };
  const toInt = (b: Uint8Array) => BigInt(`0x${hex.encode(b) || '0'}`);
  const to32 = (x: bigint) => bytes(x.toString(16).padStart(64, '0'));
  const taggedHash = (tag: string, ...parts: Uint8Array[]) => {
    const tagHash = createHash('sha256').update(tag).digest();
    const h = createHash('sha256').update(tagHash).update(tagHash);
    for (const part of parts) h.update(part);
    return new Uint8Array(h.digest());
  };
  const liftX = (x: bigint): Point => {
    if (x >= p) return null;
    const c = mod(x ** 3n + 7n, p);
    const y = pow(c, (p + 1n) / 4n, p);
    if ((y * y) % p !== c) return null;
    return [x, y % 2n === 0n ? y : p - y];
  };
  const sign = (message: Uint8Array, secret: Uint8Array, aux: Uint8Array): Uint8Array => {
    const d0 = toInt(secret);
    const P = mul(d0, G)!;
    const d = P[1] % 2n === 0n ? d0 : n - d0;
    const auxHash = taggedHash('BIP0340/aux', aux);
    const t = to32(d).map((byte, i) => byte ^ auxHash[i]!);
    const k0 = mod(toInt(taggedHash('BIP0340/nonce', t, to32(P[0]), message)), n);
    const R = mul(k0, G)!;
    const k = R[1] % 2n === 0n ? k0 : n - k0;
    const e = mod(toInt(taggedHash('BIP0340/challenge', to32(R[0]), to32(P[0]), message)), n);
    return new Uint8Array([...to32(R[0]), ...to32(mod(k + e * d, n))]);
  };
  const verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
    const P = liftX(toInt(publicKey));
    const r = toInt(signature.subarray(0, 32));
    const s = toInt(signature.subarray(32));
    if (P === null || r >= p || s >= n) return false;
    const e = mod(toInt(taggedHash('BIP0340/challenge', signature.subarray(0, 32), publicKey, message)), n);
    const R = add(mul(s, G), mul(n - e, P));
    return R !== null && R[1] % 2n === 0n && R[0] === r;
  };
  const publicKey = (secret: Uint8Array) => to32(mul(toInt(secret), G)![0]);
  return { sign, verify, publicKey };
})();

describe('BIP-340 test vectors', () => {
  const lines = readVector('bip340-test-vectors.csv').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    const get = (name: string) => cells[header.indexOf(name)] ?? '';
    return {
      index: Number(get('index')),
      secretKey: get('secret key'),
      publicKey: get('public key'),
      auxRand: get('aux_rand'),
      message: get('message'),
      signature: get('signature'),
      result: get('verification result'),
      comment: get('comment'),
    };
  });
  // The 2019 draft of BIP-340 chose R with a square y ("has_square_y"); the final BIP
  // (2020, used by Taproot and Nostr) chose an even y and changed the nonce derivation,
  // so the draft's valid signatures are invalid under the final rules and vice versa.
  const draft = rows.some((r) => r.comment.includes('has_square_y'));
  const signing = rows.filter((r) => r.secretKey !== '');

  it('reads every row of the CSV and recognizes its BIP-340 revision', () => {
    expect(header).toEqual([
      'index',
      'secret key',
      'public key',
      'aux_rand',
      'message',
      'signature',
      'verification result',
      'comment',
    ]);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    expect(rows.map((r) => r.index)).toEqual([...Array(rows.length).keys()]);
    expect(signing.length).toBeGreaterThanOrEqual(4);
    expect(rows.filter((r) => r.result === 'FALSE').length).toBeGreaterThanOrEqual(10);
    expect(draft || rows.some((r) => r.comment.includes('has_even_y'))).toBe(true);
    if (draft) {
      console.warn(
        'bip340-test-vectors.csv is the superseded 2019 draft (square-y R); ' +
          'its TRUE rows are checked to be rejected under final BIP-340. Replace it with the current file.',
      );
    }
  });

  it('getPublicKey gives the listed x-only key for every row with a secret key', () => {
    for (const row of signing) {
      expect(getPublicKey(bytes(row.secretKey)), `row ${row.index}`).toBe(row.publicKey.toLowerCase());
    }
    expect(signing.length).toBeGreaterThanOrEqual(4);
  });

  it('signSchnorr passes the row aux rand to the signer and matches final BIP-340 for every signing row', () => {
    let signed = 0;
    for (const row of signing) {
      const secretKey = bytes(row.secretKey);
      const message = bytes(row.message);
      const aux = bytes(row.auxRand);
      const requested: number[] = [];
      const signature = signSchnorr(message, secretKey, (length) => {
        requested.push(length);
        return aux.slice(0, length);
      });
      expect(requested, `row ${row.index}`).toEqual([32]);
      const expected = hex.encode(schnorr.sign(message, secretKey, aux));
      expect(hex.encode(signature), `row ${row.index}`).toBe(expected);
      expect(hex.encode(bip340Reference.sign(message, secretKey, aux)), `row ${row.index}`).toBe(expected);
      if (!draft) expect(hex.encode(signature), `row ${row.index}`).toBe(row.signature.toLowerCase());
      else expect(hex.encode(signature), `row ${row.index}`).not.toBe(row.signature.toLowerCase());
      expect(verifySchnorr(signature, message, bytes(row.publicKey))).toBe(true);
      expect(bip340Reference.verify(bytes(row.publicKey), message, signature)).toBe(true);
      signed++;
    }
    expect(signed).toBe(signing.length);
  });

  it('verifySchnorr gives the expected verdict for every row and never throws', () => {
    let checked = 0;
    let rejected = 0;
    for (const row of rows) {
      expect(['TRUE', 'FALSE']).toContain(row.result);
      // Under the draft file a TRUE row is a draft signature, which final BIP-340 rejects.
      const expected = row.result === 'TRUE' && !draft;
      const [sig, msg, pub] = [bytes(row.signature), bytes(row.message), bytes(row.publicKey)];
      let verdict: boolean | undefined;
      expect(() => {
        verdict = verifySchnorr(sig, msg, pub);
      }, `row ${row.index} threw`).not.toThrow();
      expect(verdict, `row ${row.index}: ${row.comment}`).toBe(expected);
      expect(bip340Reference.verify(pub, msg, sig), `reference, row ${row.index}`).toBe(expected);
      checked++;
      if (!expected) rejected++;
    }
    expect(checked).toBe(rows.length);
    expect(rejected).toBe(draft ? rows.length : rows.filter((r) => r.result === 'FALSE').length);
  });

  it('signSchnorr and verifySchnorr agree with the reference on fresh keys, messages and aux rand', () => {
    let run = 0;
    for (let i = 1; i <= 3; i++) {
      const secretKey = sha256(new Uint8Array([i, 1]));
      const message = sha256(new Uint8Array([i, 2])).subarray(0, 32);
      const aux = sha256(new Uint8Array([i, 3]));
      const ours = signSchnorr(message, secretKey, () => aux);
      expect(hex.encode(ours)).toBe(hex.encode(bip340Reference.sign(message, secretKey, aux)));
      const pub = bytes(getPublicKey(secretKey));
      expect(hex.encode(pub)).toBe(hex.encode(bip340Reference.publicKey(secretKey)));
      expect(verifySchnorr(ours, message, pub)).toBe(true);
      const flipped = ours.slice();
      flipped[i * 9]! ^= 1;
      expect(verifySchnorr(flipped, message, pub)).toBe(false);
      expect(bip340Reference.verify(pub, message, flipped)).toBe(false);
      run++;
    }
    expect(run).toBe(3);
  });

  it('verifySchnorr returns false (not a throw) for wrong-length inputs', () => {
    const secretKey = sha256(new Uint8Array([9]));
    const msg = sha256(new Uint8Array([10]));
    const pub = bytes(getPublicKey(secretKey));
    const sig = signSchnorr(msg, secretKey);
    expect(verifySchnorr(sig, msg, pub)).toBe(true);
    expect(verifySchnorr(sig.subarray(0, 63), msg, pub)).toBe(false);
    expect(verifySchnorr(new Uint8Array([...sig, 0]), msg, pub)).toBe(false);
    expect(verifySchnorr(sig, msg, pub.subarray(0, 31))).toBe(false);
    expect(verifySchnorr(sig, msg, new Uint8Array([2, ...pub]))).toBe(false);
    expect(verifySchnorr(new Uint8Array(64), msg, pub)).toBe(false);
    expect(verifySchnorr(sig, msg, new Uint8Array(32))).toBe(false);
    expect(verifySchnorr(new Uint8Array(0), msg, pub)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

interface AeadCase extends WycheproofCase {
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
}

describe('Wycheproof XChaCha20-Poly1305', () => {
  const { cases } = wycheproof<AeadCase>('xchacha20_poly1305_test.json');

  it('every case: valid ones encrypt and decrypt exactly, invalid ones are rejected', () => {
    let valid = 0;
    let invalid = 0;
    let wrongNonceSize = 0;
    for (const c of cases) {
      const label = `tcId ${c.tcId} (${c.comment})`;
      const key = bytes(c.key);
      const nonce = bytes(c.iv);
      const aad = bytes(c.aad);
      const msg = bytes(c.msg);
      const sealed = bytes(c.ct + c.tag);
      expect(c.result, label).not.toBe('acceptable');
      if (c.result === 'valid') {
        expect(nonce.length, label).toBe(24);
        expect(hex.encode(xchacha20poly1305(key, nonce, aad).encrypt(msg)), label).toBe(hex.encode(sealed));
        expect(hex.encode(xchacha20poly1305(key, nonce, aad).decrypt(sealed)), label).toBe(c.msg);
        valid++;
        continue;
      }
      invalid++;
      expect(() => xchacha20poly1305(key, nonce, aad).decrypt(sealed), label).toThrow();
      if (nonce.length !== 24) {
        expect(c.flags, label).toContain('InvalidNonceSize');
        expect(() => xchacha20poly1305(key, nonce, aad).encrypt(msg), label).toThrow();
        wrongNonceSize++;
      } else {
        // A well-formed nonce with a modified tag: our encryption must not produce the bad tag.
        expect(hex.encode(xchacha20poly1305(key, nonce, aad).encrypt(msg)), label).not.toBe(
          hex.encode(sealed),
        );
      }
    }
    expect(valid).toBe(246);
    expect(invalid).toBe(69);
    expect(wrongNonceSize).toBe(9);
  });
});

// ---------------------------------------------------------------------------------------------

interface EcdhCase extends WycheproofCase {
  public: string;
  private: string;
  shared: string;
}

const OID_EC_PUBLIC_KEY = '2a8648ce3d0201';
const OID_SECP256K1 = '2b8104000a';
const CURVE_ORDER = secp256k1.Point.CURVE().n;

interface Tlv {
  tag: number;
  value: Uint8Array;
  end: number;
}

/** One strict DER element: single-byte tag, minimal definite length, within bounds. */
function readTlv(der: Uint8Array, offset: number): Tlv {
  if (offset + 2 > der.length) throw new Error('DER: truncated header');
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tag');
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length === 0x80) throw new Error('DER: indefinite length');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4 || start + count > der.length) throw new Error('DER: bad length of length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    if (der[start] === 0 || length < 0x80) throw new Error('DER: non-minimal length');
    start += count;
  }
  if (start + length > der.length) throw new Error('DER: length past the end');
  return { tag, value: der.subarray(start, start + length), end: start + length };
}

/** Elements of a constructed value, which must be consumed exactly. */
function readAll(der: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < der.length) {
    const tlv = readTlv(der, offset);
    out.push(tlv);
    offset = tlv.end;
  }
  return out;
}

/** SubjectPublicKeyInfo for a named-curve secp256k1 key → the SEC1 point bytes. Throws otherwise. */
function parseSecp256k1Spki(der: Uint8Array): Uint8Array {
  const [spki, ...extra] = readAll(der);
  if (!spki || extra.length > 0 || spki.tag !== 0x30) throw new Error('SPKI: not one SEQUENCE');
  const parts = readAll(spki.value);
  if (parts.length !== 2 || parts[0]!.tag !== 0x30 || parts[1]!.tag !== 0x03)
    throw new Error('SPKI: expected AlgorithmIdentifier and BIT STRING');
  const alg = readAll(parts[0]!.value);
  if (alg.length !== 2 || alg[0]!.tag !== 0x06 || alg[1]!.tag !== 0x06)
    throw new Error('SPKI: expected two OIDs (explicit curve parameters are not accepted)');
  if (hex.encode(alg[0]!.value) !== OID_EC_PUBLIC_KEY) throw new Error('SPKI: not id-ecPublicKey');
  if (hex.encode(alg[1]!.value) !== OID_SECP256K1) throw new Error('SPKI: not secp256k1');
  const bitString = parts[1]!.value;
  if (bitString.length < 1 || bitString[0] !== 0) throw new Error('SPKI: unused bits in BIT STRING');
  const point = bitString.subarray(1);
  // Throws unless the bytes are a canonical SEC1 encoding of a point on the curve.
  secp256k1.Point.fromBytes(point).assertValidity();
  return point;
}

function scalar32(privateHex: string): Uint8Array {
  const d = BigInt(`0x${privateHex}`);
  expect(d > 0n && d < CURVE_ORDER).toBe(true);
  return bytes(d.toString(16).padStart(64, '0'));
}

describe('Wycheproof ECDH secp256k1', () => {
  const { cases } = wycheproof<EcdhCase>('ecdh_secp256k1_test.json');

  it('every case: valid keys give the expected x-coordinate through sharedX and noble; invalid points are rejected', () => {
    const counts = { valid: 0, invalid: 0, acceptableRun: 0, acceptableRejected: 0, oddY: 0 };
    for (const c of cases) {
      const label = `tcId ${c.tcId} (${c.comment})`;
      let point: Uint8Array | undefined;
      try {
        point = parseSecp256k1Spki(bytes(c.public));
      } catch {
        point = undefined;
      }
      if (c.result === 'invalid') {
        expect(point, `${label} was accepted`).toBeUndefined();
        counts.invalid++;
        continue;
      }
      if (point === undefined) {
        expect(c.result, `${label} was rejected`).toBe('acceptable');
        counts.acceptableRejected++;
        continue;
      }
      const secretKey = scalar32(c.private);
      const full = secp256k1.Point.fromBytes(point);
      const x = full.toBytes(true).subarray(1);
      if (full.toBytes(true)[0] === 3) counts.oddY++;
      // noble on the point as given (compressed or uncompressed)
      expect(hex.encode(secp256k1.getSharedSecret(secretKey, point, true).subarray(1)), label).toBe(c.shared);
      // ours on the x-only form: P and -P give the same x-coordinate
      expect(hex.encode(sharedX(secretKey, x)), label).toBe(c.shared);
      if (c.result === 'valid') counts.valid++;
      else counts.acceptableRun++;
    }
    expect(counts.valid).toBe(473);
    expect(counts.invalid).toBe(49);
    // The compressed-point case parses and matches; BER oddities and explicit curve parameters do not parse.
    expect(counts.acceptableRun).toBe(1);
    expect(counts.acceptableRejected).toBe(229);
    expect(counts.oddY).toBe(266);
  });

  it('sharedX rejects x-coordinates that are not on the curve, as the invalid-point cases carry', () => {
    let rejected = 0;
    for (const c of cases) {
      if (c.result !== 'invalid' || !c.flags.includes('InvalidCurveAttack')) continue;
      // public = SPKI header (23 bytes) || 04 || x || y
      const der = bytes(c.public);
      const x = der.subarray(der.length - 64, der.length - 32);
      const onCurve = secp256k1.utils.isValidPublicKey(new Uint8Array([2, ...x]), true);
      if (onCurve) {
        // Lifting x gives a different, valid point: the invalid y is simply never used.
        expect(sharedX(scalar32(c.private), x)).toHaveLength(32);
      } else {
        expect(() => sharedX(scalar32(c.private), x)).toThrow();
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------

interface HkdfCase extends WycheproofCase {
  ikm: string;
  salt: string;
  info: string;
  size: number;
  okm: string;
}

describe('Wycheproof HKDF-SHA256', () => {
  const { cases } = wycheproof<HkdfCase>('hkdf_sha256_test.json');

  it('every case through noble hkdf (what deriveKey uses) and node:crypto hkdfSync', () => {
    let valid = 0;
    let invalid = 0;
    for (const c of cases) {
      const label = `tcId ${c.tcId} (${c.comment})`;
      const [ikm, salt, info] = [bytes(c.ikm), bytes(c.salt), bytes(c.info)];
      if (c.result === 'valid') {
        expect(hex.encode(hkdf(sha256, ikm, salt, info, c.size)), label).toBe(c.okm);
        expect(hex.encode(new Uint8Array(hkdfSync('sha256', ikm, salt, info, c.size))), label).toBe(c.okm);
        valid++;
      } else {
        expect(c.result, label).toBe('invalid');
        expect(() => hkdf(sha256, ikm, salt, info, c.size), label).toThrow();
        expect(() => hkdfSync('sha256', ikm, salt, info, c.size), label).toThrow();
        invalid++;
      }
    }
    expect(valid).toBe(83);
    expect(invalid).toBe(3);
  });

  it('deriveKey is HKDF-SHA256 with the protocol salt and the label as info, at every vector size', () => {
    let run = 0;
    for (const c of cases) {
      if (c.result !== 'valid') continue;
      const ikm = bytes(c.ikm);
      const labelText = `llamenos-test/${c.tcId}`;
      const ours = deriveKey(ikm, labelText, c.size);
      const node = new Uint8Array(hkdfSync('sha256', ikm, PROTOCOL_SALT, labelText, c.size));
      expect(hex.encode(ours), `tcId ${c.tcId}`).toBe(hex.encode(node));
      run++;
    }
    expect(run).toBe(83);
    expect(() => deriveKey(new Uint8Array(32), 'x', 255 * 32 + 1)).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------

interface MacCase extends WycheproofCase {
  key: string;
  msg: string;
  tag: string;
}

describe('Wycheproof HMAC-SHA256', () => {
  const { cases } = wycheproof<MacCase>('hmac_sha256_test.json');

  it('every case, truncated tags compared as prefixes, via noble and node:crypto', () => {
    let valid = 0;
    let invalid = 0;
    let truncated = 0;
    for (const c of cases) {
      const label = `tcId ${c.tcId} (${c.comment})`;
      const tagSize = (c.group.tagSize as number) / 8;
      const [key, msg] = [bytes(c.key), bytes(c.msg)];
      const noble = hex.encode(hmac(sha256, key, msg).subarray(0, tagSize));
      const node = createHmac('sha256', key)
        .update(msg)
        .digest('hex')
        .slice(0, tagSize * 2);
      expect(noble, label).toBe(node);
      if (tagSize < 32) truncated++;
      if (c.result === 'valid') {
        expect(c.tag.length / 2, label).toBe(tagSize);
        expect(noble, label).toBe(c.tag);
        valid++;
      } else {
        expect(c.result, label).toBe('invalid');
        expect(noble, label).not.toBe(c.tag);
        invalid++;
      }
    }
    expect(valid).toBe(66);
    expect(invalid).toBe(108);
    expect(truncated).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------

interface PbkdfCase extends WycheproofCase {
  password: string;
  salt: string;
  iterationCount: number;
  dkLen: number;
  dk: string;
}

const MAX_ITERATIONS_IN_SUITE = 1_000_000;

describe('Wycheproof PBKDF2-HMAC-SHA256', () => {
  const { cases } = wycheproof<PbkdfCase>('pbkdf2_hmacsha256_test.json');
  const runnable = cases.filter((c) => c.iterationCount <= MAX_ITERATIONS_IN_SUITE);

  it('runs every case (none needs more than the suite limit of iterations)', () => {
    expect(cases.length).toBe(60);
    expect(runnable.length).toBe(60);
    expect(cases.every((c) => c.result === 'valid')).toBe(true);
  });

  it('node:crypto pbkdf2Sync gives every dk at its full dkLen', () => {
    let run = 0;
    for (const c of runnable) {
      const dk = pbkdf2Sync(bytes(c.password), bytes(c.salt), c.iterationCount, c.dkLen, 'sha256');
      expect(dk.toString('hex'), `tcId ${c.tcId}`).toBe(c.dk);
      run++;
    }
    expect(run).toBe(60);
  });

  for (const engine of ['webcrypto', 'noble'] as const) {
    it(`pbkdf2Sha256 (${engine}) gives the first 32 bytes of every dk (all of it when dkLen < 32)`, async () => {
      let run = 0;
      let atLeast32 = 0;
      for (const c of runnable) {
        const ours = await pbkdf2Sha256(bytes(c.password), bytes(c.salt), c.iterationCount, engine);
        expect(ours).toHaveLength(32);
        const compared = Math.min(32, c.dkLen);
        expect(hex.encode(ours.subarray(0, compared)), `tcId ${c.tcId}`).toBe(c.dk.slice(0, compared * 2));
        if (c.dkLen >= 32) atLeast32++;
        run++;
      }
      expect(run).toBe(60);
      expect(atLeast32).toBe(38);
    });
  }
});
