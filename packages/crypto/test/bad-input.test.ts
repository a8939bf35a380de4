/**
 * Every decoder refuses malformed, truncated, oversized, wrong-version and non-canonical
 * input with the right CryptoError code.
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS_HASH,
  auditEntryHash,
  type CanonicalValue,
  CryptoError,
  type CryptoErrorCode,
  canonicalJson,
  createAuthHeader,
  decodeNpub,
  decodeNsec,
  decryptBuffer,
  decryptContent,
  decryptStream,
  deriveServerHashKey,
  deriveServerNostrKey,
  deriveServerSettingsKey,
  encodeNpub,
  encodeNsec,
  encryptBuffer,
  encryptContent,
  formatRecoveryKey,
  fromBase64url,
  fromHex,
  fromUtf8,
  generateSecretKey,
  getPublicKey,
  hashIp,
  hashPhone,
  inspectPinLock,
  keyedHash,
  LABEL_NOTE_CONTENT,
  LABEL_NOTE_KEY_WRAP,
  LABEL_PHONE_HASH,
  LABEL_REPORT_KEY_WRAP,
  LABEL_SERVER_NOSTR_KEY,
  lockWithPin,
  lockWithRecoveryKey,
  MAX_CONTENT_BYTES,
  normalizePhone,
  openAsReader,
  PROTOCOL_SALT,
  PURPOSES,
  pad,
  parseAuthHeader,
  parsePublicKey,
  parseRecoveryKey,
  parseStreamHeader,
  phoneLast4,
  type SealedEnvelope,
  StreamOpener,
  StreamSealer,
  sealForReaders,
  signEvent,
  signSchnorr,
  toBase64,
  toHex,
  unlockWithPin,
  unlockWithRecoveryKey,
  unpad,
  unwrapHubKey,
  unwrapKey,
  verifyAuditChain,
  verifyAuthHeader,
  wrapForNewReader,
  wrapHubKey,
  wrapKey,
} from '../src/index.js';

const enc = new TextEncoder();
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sk = (seed: string) => sha256(enc.encode(`bad-input/${seed}`));
const N = secp256k1.Point.CURVE().n;
const P = secp256k1.Point.CURVE().p;
const big32 = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));

function codeOf(fn: () => unknown): CryptoErrorCode | 'no error' {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw new Error(`expected a CryptoError, got ${String(error)}`);
  }
  return 'no error';
}

async function codeOfAsync(fn: () => Promise<unknown>): Promise<CryptoErrorCode | 'no error'> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw new Error(`expected a CryptoError, got ${String(error)}`);
  }
  return 'no error';
}

/** An x-coordinate with no point on secp256k1 (x³ + 7 is not a square mod p). */
const X_NOT_ON_CURVE = (() => {
  for (let x = 1n; ; x++) {
    const bytes = big32(x);
    if (!secp256k1.utils.isValidPublicKey(new Uint8Array([2, ...bytes]), true)) return bytes;
  }
})();

// ---------------------------------------------------------------------------------------------

describe('encoding', () => {
  it('fromHex: lowercase of the exact length only', () => {
    expect(hexOf(fromHex('00ff10', 3))).toBe('00ff10');
    expect(codeOf(() => fromHex('00FF10', 3))).toBe('MALFORMED');
    expect(codeOf(() => fromHex('00ff1', 3))).toBe('MALFORMED');
    expect(codeOf(() => fromHex('00ff1', 2))).toBe('MALFORMED');
    expect(codeOf(() => fromHex('00ff', 3))).toBe('MALFORMED');
    expect(codeOf(() => fromHex('00ff1000', 3))).toBe('MALFORMED');
    expect(codeOf(() => fromHex('0g0000', 3))).toBe('MALFORMED');
    expect(codeOf(() => fromHex(' 00000', 3))).toBe('MALFORMED');
    expect(codeOf(() => fromHex('0x0000', 3))).toBe('MALFORMED');
    expect(codeOf(() => fromHex(123 as unknown as string, 3))).toBe('MALFORMED');
  });

  it('fromBase64url: unpadded url alphabet with zero trailing bits only', () => {
    expect(hexOf(fromBase64url('AA'))).toBe('00');
    expect(hexOf(fromBase64url('-_8'))).toBe('fbff');
    expect(fromBase64url('')).toHaveLength(0);
    for (const bad of [
      'AA==',
      'AA=',
      '+/8',
      'ab/c',
      'AB',
      'AAB',
      'A',
      'AAAAA',
      ' AA',
      'AA\n',
      'A.A',
      'Zg==',
    ]) {
      expect(
        codeOf(() => fromBase64url(bad)),
        JSON.stringify(bad),
      ).toBe('MALFORMED');
    }
    expect(codeOf(() => fromBase64url(null as unknown as string))).toBe('MALFORMED');
  });

  it('fromUtf8 refuses invalid UTF-8 instead of substituting', () => {
    expect(fromUtf8(enc.encode('ñ✓'))).toBe('ñ✓');
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80]]) {
      expect(codeOf(() => fromUtf8(new Uint8Array(bad)))).toBe('MALFORMED');
    }
  });

  it('length prefixes above 16 bits are refused (a label or record id over 65535 bytes)', () => {
    const key = sk('lp');
    expect(
      codeOf(() => encryptContent(key, new Uint8Array(1), { label: 'l', recordId: 'x'.repeat(65_536) })),
    ).toBe('TOO_LARGE');
    expect(encryptContent(key, new Uint8Array(1), { label: 'l', recordId: 'x'.repeat(65_535) })).toHaveLength(
      1 + 24 + 4 + 32 + 16,
    );
  });
});

describe('keys, nsec and npub', () => {
  const secret = sk('keys');
  const pub = getPublicKey(secret);

  it('secret keys must be 32 bytes in [1, n)', () => {
    for (const bad of [
      new Uint8Array(32),
      big32(N),
      big32(N + 1n),
      new Uint8Array(31).fill(1),
      new Uint8Array(33).fill(1),
    ]) {
      expect(codeOf(() => getPublicKey(bad))).toBe('INVALID_KEY');
      expect(codeOf(() => encodeNsec(bad))).toBe('INVALID_KEY');
      expect(codeOf(() => signSchnorr(new Uint8Array(32), bad))).toBe('INVALID_KEY');
    }
    expect(getPublicKey(big32(N - 1n))).toHaveLength(64);
    expect(getPublicKey(big32(1n))).toBe('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
  });

  it('generateSecretKey skips out-of-range candidates', () => {
    const candidates = [new Uint8Array(32), big32(N), big32(2n ** 256n - 1n), big32(5n)];
    let calls = 0;
    expect(hexOf(generateSecretKey(() => candidates[calls++]!))).toBe(hexOf(big32(5n)));
    expect(calls).toBe(4);
  });

  it('parsePublicKey: x not on the curve, all-zero, x ≥ p and non-canonical hex are refused', () => {
    expect(hexOf(parsePublicKey(pub))).toBe(pub);
    expect(codeOf(() => parsePublicKey(toHex(X_NOT_ON_CURVE)))).toBe('INVALID_KEY');
    expect(codeOf(() => parsePublicKey('0'.repeat(64)))).toBe('INVALID_KEY');
    expect(codeOf(() => parsePublicKey(toHex(big32(P))))).toBe('INVALID_KEY');
    expect(codeOf(() => parsePublicKey('f'.repeat(64)))).toBe('INVALID_KEY');
    expect(codeOf(() => parsePublicKey(pub.toUpperCase()))).toBe('MALFORMED');
    expect(codeOf(() => parsePublicKey(`02${pub}`))).toBe('MALFORMED');
    expect(codeOf(() => parsePublicKey(pub.slice(2)))).toBe('MALFORMED');
  });

  it('nsec: wrong prefix, bad checksum, mixed case, wrong length and out-of-range keys are refused', () => {
    const nsec = encodeNsec(secret);
    expect(hexOf(decodeNsec(nsec))).toBe(hexOf(secret));
    expect(codeOf(() => decodeNsec(encodeNpub(pub)))).toBe('MALFORMED');
    const last = nsec.at(-1) === 'q' ? 'p' : 'q';
    expect(codeOf(() => decodeNsec(`${nsec.slice(0, -1)}${last}`))).toBe('MALFORMED');
    const middle = nsec[20] === 'q' ? 'p' : 'q';
    expect(codeOf(() => decodeNsec(`${nsec.slice(0, 20)}${middle}${nsec.slice(21)}`))).toBe('MALFORMED');
    expect(codeOf(() => decodeNsec(`${nsec.slice(0, 10)}${nsec.slice(10).toUpperCase()}`))).toBe('MALFORMED');
    expect(codeOf(() => decodeNsec(bech32.encode('nsec', bech32.toWords(secret.subarray(0, 31)))))).toBe(
      'MALFORMED',
    );
    expect(
      codeOf(() => decodeNsec(bech32.encode('nsec', bech32.toWords(new Uint8Array([...secret, 1]))))),
    ).toBe('MALFORMED');
    expect(codeOf(() => decodeNsec(bech32.encode('nsec', bech32.toWords(new Uint8Array(32)))))).toBe(
      'INVALID_KEY',
    );
    expect(codeOf(() => decodeNsec(bech32.encode('nsec', bech32.toWords(big32(N)))))).toBe('INVALID_KEY');
    expect(codeOf(() => decodeNsec(''))).toBe('MALFORMED');
    expect(codeOf(() => decodeNsec('nsec1'))).toBe('MALFORMED');
  });

  it('npub: wrong prefix, bad checksum, wrong length and off-curve keys are refused', () => {
    const npub = encodeNpub(pub);
    expect(decodeNpub(npub)).toBe(pub);
    expect(codeOf(() => decodeNpub(encodeNsec(secret)))).toBe('MALFORMED');
    const last = npub.at(-1) === 'q' ? 'p' : 'q';
    expect(codeOf(() => decodeNpub(`${npub.slice(0, -1)}${last}`))).toBe('MALFORMED');
    expect(codeOf(() => decodeNpub(bech32.encode('npub', bech32.toWords(new Uint8Array(33).fill(2)))))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => decodeNpub(bech32.encode('npub', bech32.toWords(X_NOT_ON_CURVE))))).toBe(
      'INVALID_KEY',
    );
    expect(codeOf(() => decodeNpub(bech32.encode('note', bech32.toWords(parsePublicKey(pub)))))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => encodeNpub(toHex(X_NOT_ON_CURVE)))).toBe('INVALID_KEY');
  });
});

// ---------------------------------------------------------------------------------------------

describe('key wraps', () => {
  const owner = sk('wrap-owner');
  const ctx = { label: LABEL_NOTE_KEY_WRAP, recordId: 'note-1' };
  const key = sk('object-key');
  const wrap = wrapKey(key, getPublicKey(owner), ctx);

  it('opens for its owner, label and record only', () => {
    expect(hexOf(unwrapKey(wrap, owner, ctx))).toBe(hexOf(key));
    expect(codeOf(() => unwrapKey(wrap, sk('someone-else'), ctx))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => unwrapKey(wrap, owner, { ...ctx, label: LABEL_REPORT_KEY_WRAP }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(codeOf(() => unwrapKey(wrap, owner, { ...ctx, recordId: 'note-2' }))).toBe('DECRYPT_FAILED');
    // the length prefixes keep label/record boundaries unambiguous
    const a = wrapKey(key, getPublicKey(owner), { label: 'ab', recordId: 'c' });
    expect(codeOf(() => unwrapKey(a, owner, { label: 'a', recordId: 'bc' }))).toBe('DECRYPT_FAILED');
  });

  it('refuses wrong versions, lengths and invalid ephemeral points', () => {
    expect(codeOf(() => unwrapKey(new Uint8Array([2, ...wrap.subarray(1)]), owner, ctx))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(codeOf(() => unwrapKey(new Uint8Array([0, ...wrap.subarray(1)]), owner, ctx))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(codeOf(() => unwrapKey(new Uint8Array(0), owner, ctx))).toBe('MALFORMED');
    expect(codeOf(() => unwrapKey(wrap.subarray(0, 105), owner, ctx))).toBe('MALFORMED');
    expect(codeOf(() => unwrapKey(wrap.subarray(0, 1), owner, ctx))).toBe('MALFORMED');
    expect(codeOf(() => unwrapKey(new Uint8Array([...wrap, 0]), owner, ctx))).toBe('MALFORMED');
    const withEphemeral = (ephemeral: Uint8Array) => {
      const out = wrap.slice();
      out.set(ephemeral, 1);
      return out;
    };
    expect(codeOf(() => unwrapKey(withEphemeral(new Uint8Array([2, ...X_NOT_ON_CURVE])), owner, ctx))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => unwrapKey(withEphemeral(new Uint8Array(33)), owner, ctx))).toBe('MALFORMED');
    expect(
      codeOf(() => unwrapKey(withEphemeral(new Uint8Array([4, ...wrap.subarray(2, 34)])), owner, ctx)),
    ).toBe('MALFORMED');
    expect(codeOf(() => unwrapKey(withEphemeral(new Uint8Array([2, ...big32(P)])), owner, ctx))).toBe(
      'MALFORMED',
    );
    // the negated ephemeral point is a valid point, but not the one that was used
    const negated = wrap.slice();
    negated[1]! ^= 1;
    expect(codeOf(() => unwrapKey(negated, owner, ctx))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => unwrapKey(wrap, new Uint8Array(32), ctx))).toBe('INVALID_KEY');
  });

  it('wrapKey refuses keys that are not 32 bytes and invalid recipients', () => {
    expect(codeOf(() => wrapKey(new Uint8Array(31), getPublicKey(owner), ctx))).toBe('MALFORMED');
    expect(codeOf(() => wrapKey(new Uint8Array(33), getPublicKey(owner), ctx))).toBe('MALFORMED');
    expect(codeOf(() => wrapKey(key, toHex(X_NOT_ON_CURVE), ctx))).toBe('INVALID_KEY');
    expect(codeOf(() => wrapKey(key, 'npub1xyz', ctx))).toBe('MALFORMED');
  });

  it('hub key wraps are bound to their hub key id', () => {
    const hubKey = sk('hub');
    const hubWrap = wrapHubKey(hubKey, getPublicKey(owner), 'hk-1');
    expect(hexOf(unwrapHubKey(hubWrap, owner, 'hk-1'))).toBe(hexOf(hubKey));
    expect(codeOf(() => unwrapHubKey(hubWrap, owner, 'hk-2'))).toBe('DECRYPT_FAILED');
    // a note wrap of the same key is not a hub-key wrap
    expect(
      codeOf(() =>
        unwrapHubKey(wrapKey(hubKey, getPublicKey(owner), { ...ctx, recordId: 'hk-1' }), owner, 'hk-1'),
      ),
    ).toBe('DECRYPT_FAILED');
  });
});

describe('content', () => {
  const key = sk('content');
  const ctx = { label: LABEL_NOTE_CONTENT, recordId: 'note-1' };
  const blob = encryptContent(key, enc.encode('caller was safe'), ctx);

  it('opens only with its key, label and record id', () => {
    expect(new TextDecoder().decode(decryptContent(key, blob, ctx))).toBe('caller was safe');
    expect(codeOf(() => decryptContent(sk('other'), blob, ctx))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => decryptContent(key, blob, { ...ctx, label: 'llamenos-test/other' }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(codeOf(() => decryptContent(key, blob, { ...ctx, recordId: 'note-2' }))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => decryptContent(key, blob, { ...ctx, recordId: '' }))).toBe('DECRYPT_FAILED');
  });

  it('refuses wrong versions, short, long and oversized blobs and bad keys', () => {
    expect(codeOf(() => decryptContent(key, new Uint8Array([2, ...blob.subarray(1)]), ctx))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(codeOf(() => decryptContent(key, new Uint8Array(0), ctx))).toBe('MALFORMED');
    expect(codeOf(() => decryptContent(key, blob.subarray(0, 1 + 24 + 4 + 32 + 15), ctx))).toBe('MALFORMED');
    expect(codeOf(() => decryptContent(key, blob.subarray(0, 25), ctx))).toBe('MALFORMED');
    expect(blob).toHaveLength(1 + 24 + 4 + 32 + 16); // the shortest possible blob
    expect(codeOf(() => decryptContent(key, blob.subarray(0, blob.length - 1), ctx))).toBe('MALFORMED');
    const longer = encryptContent(key, new Uint8Array(100), ctx);
    expect(codeOf(() => decryptContent(key, longer.subarray(0, longer.length - 1), ctx))).toBe(
      'DECRYPT_FAILED',
    );
    expect(codeOf(() => decryptContent(key, new Uint8Array([...blob, 0]), ctx))).toBe('DECRYPT_FAILED');
    const huge = new Uint8Array(1 + 24 + 4 + MAX_CONTENT_BYTES + 16 + 1);
    huge[0] = 1;
    expect(codeOf(() => decryptContent(key, huge, ctx))).toBe('TOO_LARGE');
    expect(codeOf(() => decryptContent(new Uint8Array(31), blob, ctx))).toBe('INVALID_KEY');
    expect(codeOf(() => encryptContent(new Uint8Array(16), new Uint8Array(1), ctx))).toBe('INVALID_KEY');
    expect(codeOf(() => encryptContent(key, new Uint8Array(MAX_CONTENT_BYTES + 1), ctx))).toBe('TOO_LARGE');
  });

  it('unpad refuses non-zero padding, length mismatches and short input (not reachable without the key)', () => {
    const padded = pad(enc.encode('hello'));
    expect(padded).toHaveLength(4 + 32);
    expect(new TextDecoder().decode(unpad(padded))).toBe('hello');
    for (let i = 4 + 5; i < padded.length; i++) {
      const dirty = padded.slice();
      dirty[i] = 1;
      expect(
        codeOf(() => unpad(dirty)),
        `padding byte ${i}`,
      ).toBe('MALFORMED');
    }
    const lying = padded.slice();
    lying[3] = 40; // claims 40 bytes in a 32-byte bucket
    expect(codeOf(() => unpad(lying))).toBe('MALFORMED');
    const oversized = padded.slice();
    oversized.set([0xff, 0xff, 0xff, 0xff], 0);
    expect(codeOf(() => unpad(oversized))).toBe('MALFORMED');
    expect(codeOf(() => unpad(padded.subarray(0, 35)))).toBe('MALFORMED');
    expect(codeOf(() => unpad(new Uint8Array([...padded, 0])))).toBe('MALFORMED');
    // 33 bytes belong in the 64-byte bucket, never the 32-byte one
    const tooSmallBucket = new Uint8Array(4 + 32);
    tooSmallBucket[3] = 33;
    expect(codeOf(() => unpad(tooSmallBucket))).toBe('MALFORMED');
    expect(codeOf(() => pad(new Uint8Array(MAX_CONTENT_BYTES + 1)))).toBe('TOO_LARGE');
  });
});

describe('sealed envelopes', () => {
  const author = sk('author');
  const admin = sk('admin');
  const outsider = sk('outsider');
  const ctx = { purpose: PURPOSES.note, recordId: 'note-A' };
  const envelope = sealForReaders(enc.encode('note A'), [getPublicKey(author), getPublicKey(admin)], ctx);

  it('opens for readers only, for this record and purpose only', () => {
    expect(new TextDecoder().decode(openAsReader(envelope, admin, ctx))).toBe('note A');
    expect(codeOf(() => openAsReader(envelope, outsider, ctx))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => openAsReader(envelope, author, { ...ctx, recordId: 'note-B' }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(codeOf(() => openAsReader(envelope, author, { ...ctx, purpose: PURPOSES.report }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(codeOf(() => wrapForNewReader(envelope, outsider, getPublicKey(outsider), ctx))).toBe(
      'DECRYPT_FAILED',
    );
  });

  it('a wrap moved to another record, or a ciphertext swapped in, does not open', () => {
    const ctxB = { purpose: PURPOSES.note, recordId: 'note-B' };
    const other = sealForReaders(enc.encode('note B'), [getPublicKey(author)], ctxB);
    const movedWrap: SealedEnvelope = { ...other, wraps: envelope.wraps };
    expect(codeOf(() => openAsReader(movedWrap, author, ctxB))).toBe('DECRYPT_FAILED');
    const swappedCiphertext: SealedEnvelope = { ...envelope, ciphertext: other.ciphertext };
    expect(codeOf(() => openAsReader(swappedCiphertext, author, ctx))).toBe('DECRYPT_FAILED');
    // a wrap listed under the wrong reader is not theirs
    const relabelled: SealedEnvelope = {
      ...envelope,
      wraps: [{ reader: getPublicKey(outsider), wrap: envelope.wraps[0]!.wrap }],
    };
    expect(codeOf(() => openAsReader(relabelled, outsider, ctx))).toBe('DECRYPT_FAILED');
  });

  it('refuses wrong versions, bad encodings, no readers, too many readers and invalid readers', () => {
    expect(codeOf(() => openAsReader({ ...envelope, v: 2 as 1 }, author, ctx))).toBe('UNSUPPORTED_VERSION');
    const badWrap = { ...envelope, wraps: envelope.wraps.map((w) => ({ ...w, wrap: `${w.wrap}=` })) };
    expect(codeOf(() => openAsReader(badWrap, author, ctx))).toBe('MALFORMED');
    expect(
      codeOf(() => openAsReader({ ...envelope, ciphertext: `${envelope.ciphertext}+` }, author, ctx)),
    ).toBe('MALFORMED');
    expect(codeOf(() => sealForReaders(new Uint8Array(1), [], ctx))).toBe('MALFORMED');
    expect(codeOf(() => sealForReaders(new Uint8Array(1), [toHex(X_NOT_ON_CURVE)], ctx))).toBe('INVALID_KEY');
    expect(codeOf(() => sealForReaders(new Uint8Array(1), [getPublicKey(author).toUpperCase()], ctx))).toBe(
      'MALFORMED',
    );
    const many = Array.from({ length: 1001 }, (_, i) => i.toString(16).padStart(64, '0'));
    expect(codeOf(() => sealForReaders(new Uint8Array(1), many, ctx))).toBe('TOO_LARGE');
    const twice = sealForReaders(new Uint8Array(1), [getPublicKey(author), getPublicKey(author)], ctx);
    expect(twice.wraps).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('streams', () => {
  const key = sk('stream');
  const ctx = { label: 'llamenos-test/stream', recordId: 'f' };

  it('parseStreamHeader checks version, length and chunk size range', () => {
    const header = new StreamSealer(key, ctx, 10).header;
    expect(parseStreamHeader(header)).toEqual({ chunkSize: 1024 });
    expect(codeOf(() => parseStreamHeader(new Uint8Array(0)))).toBe('MALFORMED');
    expect(codeOf(() => parseStreamHeader(new Uint8Array([2, ...header.subarray(1)])))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(codeOf(() => parseStreamHeader(header.subarray(0, 20)))).toBe('MALFORMED');
    expect(codeOf(() => parseStreamHeader(new Uint8Array([...header, 0])))).toBe('MALFORMED');
    for (const log2 of [0, 9, 25, 255]) {
      expect(codeOf(() => parseStreamHeader(new Uint8Array([1, log2, ...header.subarray(2)])))).toBe(
        'MALFORMED',
      );
      expect(codeOf(() => new StreamSealer(key, ctx, log2))).toBe('MALFORMED');
    }
    expect(codeOf(() => new StreamSealer(new Uint8Array(16), ctx, 10))).toBe('INVALID_KEY');
    expect(codeOf(() => new StreamOpener(new Uint8Array(16), header, ctx))).toBe('INVALID_KEY');
  });

  it('sealer and opener enforce chunk sizes, a single final chunk and nothing after it', () => {
    const sealer = new StreamSealer(key, ctx, 10);
    expect(codeOf(() => sealer.seal(new Uint8Array(1023), false))).toBe('MALFORMED');
    expect(codeOf(() => sealer.seal(new Uint8Array(1025), true))).toBe('MALFORMED');
    const first = sealer.seal(new Uint8Array(1024), false);
    const last = sealer.seal(new Uint8Array(3), true);
    expect(codeOf(() => sealer.seal(new Uint8Array(0), true))).toBe('MALFORMED');

    const opener = new StreamOpener(key, sealer.header, ctx);
    expect(codeOf(() => opener.finish())).toBe('TRUNCATED');
    expect(codeOf(() => opener.open(first.subarray(0, 100), false))).toBe('MALFORMED');
    expect(codeOf(() => opener.open(new Uint8Array([...first, 0]), false))).toBe('MALFORMED');
    expect(opener.open(first, false)).toHaveLength(1024);
    expect(codeOf(() => opener.open(last.subarray(0, 15), true))).toBe('TRUNCATED');
    expect(opener.open(last, true)).toHaveLength(3);
    expect(codeOf(() => opener.finish())).toBe('no error');
    expect(codeOf(() => opener.open(last, true))).toBe('MALFORMED');
  });

  it('decryptBuffer and decryptStream refuse empty input and a cut header', async () => {
    const blob = encryptBuffer(key, new Uint8Array(10), ctx, 10);
    expect(codeOf(() => decryptBuffer(key, new Uint8Array(0), ctx))).toBe('MALFORMED');
    expect(codeOf(() => decryptBuffer(key, blob.subarray(0, 20), ctx))).toBe('TRUNCATED');
    for (const length of [0, 5, 21]) {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          if (length > 0) controller.enqueue(blob.slice(0, length));
          controller.close();
        },
      }).pipeThrough(decryptStream(key, ctx));
      const code = await codeOfAsync(async () => {
        const reader = stream.getReader();
        while (!(await reader.read()).done);
      });
      expect(code, `length ${length}`).toBe('TRUNCATED');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('PIN lock', () => {
  const owner = sk('pin-owner');

  it('opens with the PIN (NFKC-normalized) and refuses a wrong PIN or an altered blob with WRONG_PIN', async () => {
    const blob = await lockWithPin(owner, '482916');
    expect(blob).toHaveLength(109);
    expect(inspectPinLock(blob).iterations).toBe(600_000);
    const alteredSealed = blob.slice();
    alteredSealed[100]! ^= 1;
    const alteredSalt = blob.slice();
    alteredSalt[6]! ^= 1;
    const alteredKeyId = blob.slice();
    alteredKeyId[25]! ^= 1;
    const [right, fullWidth, wrong, sealedCode, saltCode, keyIdCode] = await Promise.all([
      unlockWithPin(blob, '482916'),
      unlockWithPin(blob, '４８２９１６'),
      codeOfAsync(() => unlockWithPin(blob, '482917')),
      codeOfAsync(() => unlockWithPin(alteredSealed, '482916')),
      codeOfAsync(() => unlockWithPin(alteredSalt, '482916')),
      codeOfAsync(() => unlockWithPin(alteredKeyId, '482916')),
    ]);
    expect(hexOf(right)).toBe(hexOf(owner));
    expect(hexOf(fullWidth)).toBe(hexOf(owner));
    expect(wrong).toBe('WRONG_PIN');
    expect(sealedCode).toBe('WRONG_PIN');
    expect(saltCode).toBe('WRONG_PIN');
    expect(keyIdCode).toBe('WRONG_PIN');
  });

  it('refuses out-of-range iterations, other versions and lengths, and bad PINs without running PBKDF2', async () => {
    // A syntactically valid blob made by hand: only the header is inspected before PBKDF2.
    const head = (version: number, iterations: number) => {
      const blob = new Uint8Array(109);
      blob[0] = version;
      new DataView(blob.buffer).setUint32(1, iterations);
      return blob;
    };
    expect(await codeOfAsync(() => unlockWithPin(head(1, 599_999), '1234'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => unlockWithPin(head(1, 1), '1234'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => unlockWithPin(head(1, 0), '1234'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => unlockWithPin(head(1, 10_000_001), '1234'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => unlockWithPin(head(1, 0xffffffff), '1234'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => unlockWithPin(head(2, 600_000), '1234'))).toBe('UNSUPPORTED_VERSION');
    expect(await codeOfAsync(() => unlockWithPin(head(0, 600_000), '1234'))).toBe('UNSUPPORTED_VERSION');
    expect(await codeOfAsync(() => unlockWithPin(head(1, 600_000).subarray(0, 108), '1234'))).toBe(
      'MALFORMED',
    );
    expect(await codeOfAsync(() => unlockWithPin(new Uint8Array([...head(1, 600_000), 0]), '1234'))).toBe(
      'MALFORMED',
    );
    expect(await codeOfAsync(() => unlockWithPin(new Uint8Array(0), '1234'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => unlockWithPin(head(1, 600_000), '123'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => unlockWithPin(head(1, 600_000), ''))).toBe('MALFORMED');
    expect(await codeOfAsync(() => lockWithPin(owner, '123'))).toBe('MALFORMED');
    expect(await codeOfAsync(() => lockWithPin(owner, '1'.repeat(129)))).toBe('MALFORMED');
    expect(await codeOfAsync(() => lockWithPin(owner, '1234', { iterations: 599_999 }))).toBe('MALFORMED');
    expect(await codeOfAsync(() => lockWithPin(owner, '1234', { iterations: 10_000_001 }))).toBe('MALFORMED');
    expect(await codeOfAsync(() => lockWithPin(owner, '1234', { iterations: 600_000.5 }))).toBe('MALFORMED');
    expect(await codeOfAsync(() => lockWithPin(new Uint8Array(32), '1234'))).toBe('INVALID_KEY');
  });
});

describe('recovery key', () => {
  const owner = sk('recovery-owner');
  const recovery = sha256(enc.encode('recovery-key')).slice(0, 16);
  const text = formatRecoveryKey(recovery);
  const blob = lockWithRecoveryKey(owner, recovery);
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

  it('formats as 29 base32 characters in groups of four and parses leniently', () => {
    expect(text).toMatch(/^([A-Z2-7]{4}-){7}[A-Z2-7]$/);
    expect(hexOf(parseRecoveryKey(text))).toBe(hexOf(recovery));
    expect(hexOf(parseRecoveryKey(text.toLowerCase().replaceAll('-', ' ')))).toBe(hexOf(recovery));
    expect(hexOf(parseRecoveryKey(text.replaceAll('-', '')))).toBe(hexOf(recovery));
    expect(codeOf(() => formatRecoveryKey(new Uint8Array(15)))).toBe('MALFORMED');
  });

  it('every single-character typo is caught (checksum, or non-canonical last character)', () => {
    const compact = text.replaceAll('-', '');
    let caught = 0;
    let harmless = 0;
    for (let i = 0; i < compact.length; i++) {
      for (const c of ALPHABET) {
        if (c === compact[i]) continue;
        const typo = `${compact.slice(0, i)}${c}${compact.slice(i + 1)}`;
        let result: Uint8Array | undefined;
        const code = codeOf(() => {
          result = parseRecoveryKey(typo);
        });
        if (code === 'no error') {
          // Only the unused low bit of the last character can change without changing the key.
          expect(i).toBe(28);
          expect(hexOf(result!)).toBe(hexOf(recovery));
          harmless++;
        } else {
          expect(['WRONG_RECOVERY_KEY', 'MALFORMED']).toContain(code);
          caught++;
        }
      }
    }
    expect(caught + harmless).toBe(29 * 31);
    expect(harmless).toBe(0); // scure's base32 also refuses a non-zero unused bit
  });

  it('refuses bad characters and lengths as MALFORMED', () => {
    const compact = text.replaceAll('-', '');
    for (const bad of [
      `${compact.slice(0, 28)}0`,
      `${compact.slice(0, 28)}1`,
      `${compact.slice(0, 28)}8`,
      `${compact.slice(0, 28)}!`,
      compact.slice(0, 28),
      `${compact}A`,
      '',
      `${compact.slice(0, 27)}=${compact[28]}`,
    ]) {
      expect(
        codeOf(() => parseRecoveryKey(bad)),
        bad,
      ).toBe('MALFORMED');
    }
  });

  it('unlockWithRecoveryKey: wrong key → WRONG_RECOVERY_KEY; version, length and key size checked', () => {
    expect(hexOf(unlockWithRecoveryKey(blob, recovery))).toBe(hexOf(owner));
    const wrong = recovery.slice();
    wrong[0]! ^= 1;
    expect(codeOf(() => unlockWithRecoveryKey(blob, wrong))).toBe('WRONG_RECOVERY_KEY');
    expect(codeOf(() => unlockWithRecoveryKey(new Uint8Array([2, ...blob.subarray(1)]), recovery))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(codeOf(() => unlockWithRecoveryKey(blob.subarray(0, blob.length - 1), recovery))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => unlockWithRecoveryKey(new Uint8Array([...blob, 0]), recovery))).toBe('MALFORMED');
    expect(codeOf(() => unlockWithRecoveryKey(new Uint8Array(0), recovery))).toBe('MALFORMED');
    expect(codeOf(() => unlockWithRecoveryKey(blob, recovery.subarray(0, 15)))).toBe('MALFORMED');
    expect(codeOf(() => lockWithRecoveryKey(owner, new Uint8Array(17)))).toBe('MALFORMED');
    expect(codeOf(() => lockWithRecoveryKey(new Uint8Array(32), recovery))).toBe('INVALID_KEY');
  });
});

// ---------------------------------------------------------------------------------------------

describe('NIP-98 verifyAuthHeader', () => {
  const user = sk('nip98-user');
  const url = 'https://hotline.example/api/calls?page=2';
  const now = 1_750_000_000;
  const body = '{"status":"answered"}';
  const header = createAuthHeader({ url, method: 'POST', body }, user, now);
  const request = { url, method: 'POST', body };

  const encodeEvent = (event: unknown) => `Nostr ${toBase64(enc.encode(JSON.stringify(event)))}`;
  const bodyHash = toHex(sha256(enc.encode(body)));
  const signed = (tags: string[][], kind = 27235, createdAt = now) =>
    encodeEvent(signEvent({ kind, created_at: createdAt, content: '', tags }, user));
  const goodTags = () => [
    ['u', url],
    ['method', 'POST'],
    ['payload', bodyHash],
    ['nonce', '00'.repeat(16)],
  ];

  it('accepts the header it was made for, within ±60 s', () => {
    for (const skew of [-60, 0, 60]) {
      expect(verifyAuthHeader(header, request, now + skew).pubkey).toBe(getPublicKey(user));
    }
    expect(verifyAuthHeader(header, { ...request, method: 'post' }, now).eventId).toBe(
      parseAuthHeader(header).id,
    );
    expect(verifyAuthHeader(signed(goodTags()), request, now).createdAt).toBe(now);
  });

  it('refuses tokens outside the window as AUTH_EXPIRED', () => {
    expect(codeOf(() => verifyAuthHeader(header, request, now + 61))).toBe('AUTH_EXPIRED');
    expect(codeOf(() => verifyAuthHeader(header, request, now - 61))).toBe('AUTH_EXPIRED');
    expect(codeOf(() => verifyAuthHeader(header, request, now + 86_400))).toBe('AUTH_EXPIRED');
  });

  it('refuses another URL (query included), method or body as AUTH_MISMATCH', () => {
    for (const other of [
      'https://hotline.example/api/calls?page=3',
      'https://hotline.example/api/calls',
      'https://hotline.example/api/calls?page=2&x=1',
      'http://hotline.example/api/calls?page=2',
      'https://evil.example/api/calls?page=2',
      'https://hotline.example/api/calls/?page=2',
    ]) {
      expect(
        codeOf(() => verifyAuthHeader(header, { ...request, url: other }, now)),
        other,
      ).toBe('AUTH_MISMATCH');
    }
    expect(codeOf(() => verifyAuthHeader(header, { ...request, method: 'PUT' }, now))).toBe('AUTH_MISMATCH');
    expect(codeOf(() => verifyAuthHeader(header, { ...request, body: '{"status":"missed"}' }, now))).toBe(
      'AUTH_MISMATCH',
    );
    expect(codeOf(() => verifyAuthHeader(header, { url, method: 'POST' }, now))).toBe('AUTH_MISMATCH');
    expect(codeOf(() => verifyAuthHeader(header, { ...request, body: enc.encode(`${body} `) }, now))).toBe(
      'AUTH_MISMATCH',
    );
    // the empty body is bound too
    const noBody = createAuthHeader({ url, method: 'GET' }, user, now);
    expect(verifyAuthHeader(noBody, { url, method: 'GET', body: '' }, now).pubkey).toBe(getPublicKey(user));
    expect(codeOf(() => verifyAuthHeader(noBody, { url, method: 'GET', body: 'x' }, now))).toBe(
      'AUTH_MISMATCH',
    );
  });

  it('refuses missing, duplicated or empty tags as AUTH_INVALID', () => {
    for (const name of ['u', 'method', 'payload', 'nonce']) {
      const missing = goodTags().filter((t) => t[0] !== name);
      expect(
        codeOf(() => verifyAuthHeader(signed(missing), request, now)),
        `missing ${name}`,
      ).toBe('AUTH_INVALID');
      const duplicated = [...goodTags(), goodTags().find((t) => t[0] === name)!];
      expect(
        codeOf(() => verifyAuthHeader(signed(duplicated), request, now)),
        `duplicate ${name}`,
      ).toBe('AUTH_INVALID');
      const bare = goodTags().map((t) => (t[0] === name ? [name] : t));
      expect(
        codeOf(() => verifyAuthHeader(signed(bare), request, now)),
        `bare ${name}`,
      ).toBe('AUTH_INVALID');
    }
  });

  it('refuses bad signatures, altered events and the wrong kind as AUTH_INVALID', () => {
    const event = parseAuthHeader(header);
    const sig = `${event.sig.slice(0, 10)}${event.sig[10] === '0' ? '1' : '0'}${event.sig.slice(11)}`;
    expect(codeOf(() => verifyAuthHeader(encodeEvent({ ...event, sig }), request, now))).toBe('AUTH_INVALID');
    expect(codeOf(() => verifyAuthHeader(encodeEvent({ ...event, content: 'x' }), request, now))).toBe(
      'AUTH_INVALID',
    );
    expect(codeOf(() => verifyAuthHeader(encodeEvent({ ...event, created_at: now + 1 }), request, now))).toBe(
      'AUTH_INVALID',
    );
    expect(
      codeOf(() => verifyAuthHeader(encodeEvent({ ...event, pubkey: getPublicKey(sk('x')) }), request, now)),
    ).toBe('AUTH_INVALID');
    expect(
      codeOf(() => verifyAuthHeader(encodeEvent({ ...event, sig: event.sig.toUpperCase() }), request, now)),
    ).toBe('AUTH_INVALID');
    expect(codeOf(() => verifyAuthHeader(signed(goodTags(), 1), request, now))).toBe('AUTH_INVALID');
    expect(codeOf(() => verifyAuthHeader(signed(goodTags(), 27236), request, now))).toBe('AUTH_INVALID');
  });

  it('refuses headers that are not "Nostr <base64 JSON event>" of a sane size as AUTH_INVALID', () => {
    const event = parseAuthHeader(header);
    const token = header.slice(6);
    for (const bad of [
      '',
      'Nostr',
      'Nostr ',
      `Bearer ${token}`,
      `nostr ${token}`,
      `Nostr${token}`,
      'Nostr !!!!',
      `Nostr ${token.replace(/=+$/, '')}x`,
      `Nostr ${Buffer.from('not json').toString('base64')}`,
      `Nostr ${Buffer.from('[1,2,3]').toString('base64')}`,
      `Nostr ${Buffer.from('null').toString('base64')}`,
      `Nostr ${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64')}`,
      encodeEvent({ ...event, created_at: now + 0.5 }),
      encodeEvent({ ...event, created_at: String(now) }),
      encodeEvent({ ...event, kind: '27235' }),
      encodeEvent({ ...event, tags: [['u', 1]] }),
      encodeEvent({ ...event, tags: 'u' }),
      encodeEvent({ ...event, id: undefined }),
      `Nostr ${'A'.repeat(8196)}`,
      encodeEvent({ ...event, content: 'x'.repeat(10_000) }),
    ]) {
      expect(
        codeOf(() => verifyAuthHeader(bad, request, now)),
        bad.slice(0, 40),
      ).toBe('AUTH_INVALID');
    }
    expect(codeOf(() => verifyAuthHeader(undefined as unknown as string, request, now))).toBe('AUTH_INVALID');
  });
});

// ---------------------------------------------------------------------------------------------

describe('canonical JSON and the audit chain', () => {
  it('canonicalJson sorts keys by code unit and refuses floats, undefined, NaN and class instances', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], A: { d: -0, c: -5 } })).toBe(
      '{"A":{"c":-5,"d":0},"a":[true,null,"x"],"b":1}',
    );
    expect(canonicalJson({ é: 1, z: 2, '😀': 3, ﬀ: 4 })).toBe('{"z":2,"é":1,"😀":3,"ﬀ":4}');
    expect(canonicalJson(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    class Thing {
      a = 1;
    }
    const bad: unknown[] = [
      1.5,
      0.1,
      2 ** 53,
      -(2 ** 53),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      undefined,
      { a: undefined },
      [1, undefined],
      [0.5],
      new Date(0),
      new Map(),
      new Thing(),
      new Uint8Array(1),
      10n,
      Symbol('s'),
      () => 1,
      { nested: { deeper: [new Set()] } },
    ];
    for (const value of bad)
      expect(
        codeOf(() => canonicalJson(value)),
        String(value),
      ).toBe('MALFORMED');
  });

  const entries: CanonicalValue[] = [
    { action: 'login', actor: 'a1' },
    { action: 'note.create', actor: 'a1', note: 'n1' },
    { action: 'call.answer', actor: 'a2', n: 3 },
    { action: 'settings.update', actor: 'admin', keys: ['x', 'y'] },
    { action: 'logout', actor: 'a1' },
  ];
  const chain = () => {
    let previousHash = AUDIT_GENESIS_HASH;
    return entries.map((entry, i) => {
      const hash = auditEntryHash(previousHash, entry);
      const row = { seq: i + 1, previousHash, hash, entry };
      previousHash = hash;
      return row;
    });
  };

  it('auditEntryHash is SHA-256(lp(label) || previous || canonical JSON)', () => {
    const entry = { b: 2, a: 'x' };
    const label = 'llamenos/v1/audit/entry';
    const expected = createHash('sha256')
      .update(new Uint8Array([0, label.length]))
      .update(label)
      .update(new Uint8Array(32))
      .update('{"a":"x","b":2}')
      .digest('hex');
    expect(auditEntryHash(AUDIT_GENESIS_HASH, entry)).toBe(expected);
    expect(codeOf(() => auditEntryHash(AUDIT_GENESIS_HASH.toUpperCase().replace(/0/g, 'A'), entry))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => auditEntryHash('00', entry))).toBe('MALFORMED');
    expect(codeOf(() => auditEntryHash(AUDIT_GENESIS_HASH, { x: 1.5 }))).toBe('MALFORMED');
  });

  it('verifyAuditChain accepts an intact chain and reports the first broken entry', () => {
    expect(verifyAuditChain(chain())).toEqual({ ok: true, count: 5 });
    expect(verifyAuditChain([])).toEqual({ ok: true, count: 0 });

    const edited = chain();
    edited[2] = { ...edited[2]!, entry: { action: 'call.answer', actor: 'a3', n: 3 } };
    expect(verifyAuditChain(edited)).toMatchObject({ ok: false, brokenAt: 3, reason: 'entry hash mismatch' });

    // an attacker who also recomputes the edited entry's hash breaks the next link
    const rehashed = chain();
    const forged = { action: 'call.answer', actor: 'a3', n: 3 };
    rehashed[2] = { ...rehashed[2]!, entry: forged, hash: auditEntryHash(rehashed[2]!.previousHash, forged) };
    expect(verifyAuditChain(rehashed)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'previous-hash link broken',
    });

    const dropped = chain().filter((row) => row.seq !== 2);
    expect(verifyAuditChain(dropped)).toMatchObject({ ok: false, brokenAt: 3 });

    const reordered = chain();
    [reordered[1], reordered[2]] = [reordered[2]!, reordered[1]!];
    expect(verifyAuditChain(reordered)).toMatchObject({ ok: false, brokenAt: 3 });

    const badGenesis = chain();
    badGenesis[0] = { ...badGenesis[0]!, previousHash: '1'.repeat(64) };
    expect(verifyAuditChain(badGenesis)).toMatchObject({ ok: false, brokenAt: 1 });
  });
});

describe('keyed hashes and server keys', () => {
  const secret = sk('server-secret');

  it('normalizePhone: one E.164 form for every way of writing a number', () => {
    const forms = [
      '+1 (555) 123-4567',
      '+1.555.123.4567',
      '001 555 123 4567',
      '+15551234567',
      ' +1 555 123 4567 ',
    ];
    for (const form of forms) expect(normalizePhone(form), form).toBe('+15551234567');
    const hashes = new Set(forms.map((f) => hashPhone(secret, f)));
    expect(hashes.size).toBe(1);
    expect(phoneLast4('+1 (555) 123-4567')).toBe('4567');
    for (const bad of [
      '5551234567',
      '+0123456789',
      '+12345',
      '+1234567890123456',
      '+1555CALLNOW',
      '',
      '+',
      '++15551234567',
    ]) {
      expect(
        codeOf(() => normalizePhone(bad)),
        bad,
      ).toBe('MALFORMED');
      expect(
        codeOf(() => hashPhone(secret, bad)),
        bad,
      ).toBe('MALFORMED');
    }
  });

  it('hashPhone is HMAC-SHA256(secret, lp(label) || E.164); another secret gives another hash; short secrets refused', () => {
    const expected = createHmac('sha256', secret)
      .update(new Uint8Array([0, LABEL_PHONE_HASH.length]))
      .update(LABEL_PHONE_HASH)
      .update('+15551234567')
      .digest('hex');
    expect(hashPhone(secret, '+1 555 123 4567')).toBe(expected);
    expect(hashPhone(sk('other-secret'), '+15551234567')).not.toBe(expected);
    expect(hashPhone(secret, '+15551234568')).not.toBe(expected);
    expect(codeOf(() => hashPhone(secret.subarray(0, 31), '+15551234567'))).toBe('INVALID_KEY');
    expect(codeOf(() => keyedHash(new Uint8Array(0), 'l', 'v'))).toBe('INVALID_KEY');
    expect(hashPhone(new Uint8Array(64).fill(3), '+15551234567')).toHaveLength(64);
    expect(hashIp(secret, ' 2001:DB8::1 ')).toBe(hashIp(secret, '2001:db8::1'));
    expect(hashIp(secret, '192.0.2.1')).not.toBe(hashPhone(secret, '+1920000000'));
  });

  it('deriveServerNostrKey is deterministic, valid, per-secret, and HKDF(secret || u32be(0)) at counter 0', () => {
    const a = deriveServerNostrKey(secret);
    expect(hexOf(deriveServerNostrKey(secret.slice()))).toBe(hexOf(a));
    expect(hexOf(deriveServerNostrKey(sk('another')))).not.toBe(hexOf(a));
    expect(getPublicKey(a)).toHaveLength(64);
    const expected = hkdfSync(
      'sha256',
      new Uint8Array([...secret, 0, 0, 0, 0]),
      PROTOCOL_SALT,
      LABEL_SERVER_NOSTR_KEY,
      32,
    );
    expect(hexOf(a)).toBe(hexOf(new Uint8Array(expected)));
    const derived = new Set([a, deriveServerHashKey(secret), deriveServerSettingsKey(secret)].map(hexOf));
    expect(derived.size).toBe(3);
    for (const derive of [deriveServerNostrKey, deriveServerHashKey, deriveServerSettingsKey]) {
      expect(codeOf(() => derive(secret.subarray(0, 31)))).toBe('INVALID_KEY');
    }
  });

  it('signEvent refuses a created_at that is not a unix time', () => {
    for (const createdAt of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(codeOf(() => signEvent({ kind: 1, created_at: createdAt, content: '', tags: [] }, secret))).toBe(
        'MALFORMED',
      );
    }
  });
});
