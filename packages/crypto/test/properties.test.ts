/**
 * Property tests (fast-check): round trips for every encryption format, and tamper
 * detection — any change to a blob must end in a typed CryptoError, never in success and
 * never in some other exception.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CryptoError,
  type CryptoErrorCode,
  canonicalJson,
  decryptBuffer,
  decryptContent,
  decryptHubEvent,
  decryptStream,
  deriveEventKey,
  encryptBuffer,
  encryptContent,
  encryptHubEvent,
  encryptStream,
  fromBase64url,
  generateRecoveryKey,
  getPublicKey,
  LABEL_ATTACHMENT_STREAM,
  LABEL_NOTE_KEY_WRAP,
  lockWithRecoveryKey,
  openAsReader,
  PURPOSES,
  paddedLength,
  type RandomSource,
  type SealedEnvelope,
  sealForReaders,
  toBase64url,
  unlockWithRecoveryKey,
  unwrapKey,
  wrapKey,
} from '../src/index.js';

const enc = new TextEncoder();
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Deterministic RandomSource from a seed (so two encryptions can be compared byte for byte). */
function seededRandom(seed: number): RandomSource {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = sha256(enc.encode(`${seed}/${counter++}`));
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

/** Fast arbitrary for large byte arrays: a length and a seed, expanded with xorshift. */
const bigBytes = (maxLength: number) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc
      .record({ length: fc.nat({ max: maxLength }), seed: fc.integer({ min: 1 }) })
      .map(({ length, seed }) => {
        const out = new Uint8Array(length);
        let x = seed | 0 || 1;
        for (let i = 0; i < length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          out[i] = x & 0xff;
        }
        return out;
      }),
  );

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Valid secp256k1 secret keys (SHA-256 of an integer is in range with overwhelming probability). */
const secretKey = fc.integer().map((i) => sha256(enc.encode(`sk/${i}`)));
const context = fc.record({ label: fc.string({ maxLength: 40 }), recordId: fc.string({ maxLength: 40 }) });

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts that `fn` throws a CryptoError whose code is one of `codes`. */
function expectCryptoError(fn: () => unknown, codes: readonly CryptoErrorCode[]): CryptoErrorCode {
  const error = caught(fn);
  expect(error, 'expected a CryptoError, got success').toBeInstanceOf(CryptoError);
  const code = (error as CryptoError).code;
  expect(codes).toContain(code);
  return code;
}

function flipBit(blob: Uint8Array, bit: number): Uint8Array {
  const out = blob.slice();
  const index = bit % (out.length * 8);
  out[index >> 3]! ^= 1 << (index & 7);
  return out;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A ReadableStream of `bytes` cut at the given (sorted, deduplicated) boundaries. */
function piecewise(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.slice(start, point));
    start = point;
  }
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

describe('round trips', () => {
  it('content: encryptContent → decryptContent for arbitrary bytes up to 100 KiB', () => {
    fc.assert(
      fc.property(key32, bigBytes(100 * 1024), context, (key, plaintext, ctx) => {
        const blob = encryptContent(key, plaintext, ctx);
        expect(blob.length).toBe(1 + 24 + 4 + paddedLength(plaintext.length) + 16);
        expect(hexOf(decryptContent(key, blob, ctx))).toBe(hexOf(plaintext));
      }),
      { numRuns: 40 },
    );
  });

  it('readers: every one of 1–6 readers opens the envelope; a non-reader cannot', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 6 }),
        bigBytes(4096),
        fc.constantFrom(...Object.values(PURPOSES)),
        fc.string({ maxLength: 20 }),
        (ids, plaintext, purpose, recordId) => {
          const keys = ids.map((i) => sha256(enc.encode(`reader/${i}`)));
          const ctx = { purpose, recordId };
          const envelope = sealForReaders(plaintext, keys.map(getPublicKey), ctx);
          expect(envelope.wraps.length).toBe(ids.length);
          for (const sk of keys) expect(hexOf(openAsReader(envelope, sk, ctx))).toBe(hexOf(plaintext));
          const outsider = sha256(enc.encode(`outsider/${ids.join(',')}`));
          expectCryptoError(() => openAsReader(envelope, outsider, ctx), ['DECRYPT_FAILED']);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('key wrap: wrapKey → unwrapKey', () => {
    fc.assert(
      fc.property(key32, secretKey, context, (key, sk, ctx) => {
        const wrap = wrapKey(key, getPublicKey(sk), ctx);
        expect(wrap.length).toBe(106);
        expect(hexOf(unwrapKey(wrap, sk, ctx))).toBe(hexOf(key));
      }),
      { numRuns: 30 },
    );
  });

  it('hub events: encryptHubEvent → decryptHubEvent for any string', () => {
    fc.assert(
      fc.property(key32, fc.string({ unit: 'grapheme', maxLength: 300 }), (hubKey, text) => {
        const eventKey = deriveEventKey(hubKey);
        expect(decryptHubEvent(eventKey, encryptHubEvent(eventKey, text))).toBe(text);
      }),
      { numRuns: 40 },
    );
  });

  it('recovery lock: lockWithRecoveryKey → unlockWithRecoveryKey', () => {
    fc.assert(
      fc.property(secretKey, fc.integer(), (sk, seed) => {
        const recovery = generateRecoveryKey(seededRandom(seed));
        const blob = lockWithRecoveryKey(sk, recovery);
        expect(hexOf(unlockWithRecoveryKey(blob, recovery))).toBe(hexOf(sk));
      }),
      { numRuns: 30 },
    );
  });

  /** Sizes around every multiple of the chunk size, empty input included. */
  const streamCase = fc
    .record({
      log2: fc.integer({ min: 10, max: 12 }),
      chunks: fc.nat({ max: 4 }),
      delta: fc.oneof(fc.constant(0), fc.constant(1), fc.constant(-1), fc.nat({ max: 5000 })),
      seed: fc.integer(),
    })
    .map(({ log2, chunks, delta, seed }) => {
      const size = Math.max(0, chunks * 2 ** log2 + delta);
      const plaintext = new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);
      return { log2, plaintext, seed };
    });

  it('stream, buffer API: encryptBuffer → decryptBuffer for any size, chunk sizes 2^10..2^12', () => {
    fc.assert(
      fc.property(streamCase, key32, context, ({ log2, plaintext, seed }, key, ctx) => {
        const blob = encryptBuffer(key, plaintext, ctx, log2, seededRandom(seed));
        const chunkCount = Math.max(1, Math.ceil(plaintext.length / 2 ** log2));
        expect(blob.length).toBe(21 + plaintext.length + 16 * chunkCount);
        expect(hexOf(decryptBuffer(key, blob, ctx))).toBe(hexOf(plaintext));
      }),
      { numRuns: 60 },
    );
  });

  it('stream, empty input and exact multiples of the chunk size', () => {
    const key = sha256(enc.encode('exact'));
    const ctx = { label: LABEL_ATTACHMENT_STREAM, recordId: 'f' };
    for (const log2 of [10, 11, 12]) {
      for (const chunks of [0, 1, 2, 3]) {
        const plaintext = new Uint8Array(chunks * 2 ** log2).fill(chunks + 1);
        const blob = encryptBuffer(key, plaintext, ctx, log2);
        expect(blob.length).toBe(21 + plaintext.length + 16 * Math.max(1, chunks));
        expect(hexOf(decryptBuffer(key, blob, ctx))).toBe(hexOf(plaintext));
      }
    }
  });

  it('stream, TransformStream API with random piece boundaries: same bytes as the buffer API, and decrypts', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamCase,
        key32,
        context,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async ({ log2, plaintext, seed }, key, ctx, inCuts, outCuts) => {
          const streamed = await collect(
            piecewise(plaintext, inCuts).pipeThrough(encryptStream(key, ctx, log2, seededRandom(seed))),
          );
          const buffered = encryptBuffer(key, plaintext, ctx, log2, seededRandom(seed));
          expect(hexOf(streamed)).toBe(hexOf(buffered));
          const opened = await collect(piecewise(streamed, outCuts).pipeThrough(decryptStream(key, ctx)));
          expect(hexOf(opened)).toBe(hexOf(plaintext));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('canonicalJson does not depend on key order and parses back to the same value', () => {
    const value = fc.letrec((tie) => ({
      json: fc.oneof(
        { maxDepth: 3 },
        fc.constant(null),
        fc.boolean(),
        fc.maxSafeInteger(),
        fc.string(),
        fc.array(tie('json'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('json'), { maxKeys: 5, noNullPrototype: true }),
      ),
    })).json;
    /** The same value with every object's keys rotated by `shift` (and, when `reverse`, reversed). */
    const reorder = (v: unknown, shift: number, reverse: boolean): unknown => {
      if (Array.isArray(v)) return v.map((x) => reorder(x, shift, reverse));
      if (v !== null && typeof v === 'object') {
        const entries = Object.entries(v).map(([k, x]) => [k, reorder(x, shift + 1, reverse)] as const);
        const r = entries.length === 0 ? 0 : shift % entries.length;
        const rotated = [...entries.slice(r), ...entries.slice(0, r)];
        return Object.fromEntries(reverse ? rotated.reverse() : rotated);
      }
      return v;
    };
    fc.assert(
      fc.property(value, fc.nat(), (v, shift) => {
        const text = canonicalJson(v);
        expect(canonicalJson(reorder(v, shift, true))).toBe(text);
        expect(canonicalJson(reorder(v, shift, false))).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(text).not.toMatch(/[\n\r]/);
      }),
      { numRuns: 200 },
    );
  });

  it('padding: sizes in one bucket give ciphertexts of one length; buckets are fixed points; overhead is bounded', () => {
    fc.assert(
      fc.property(fc.nat({ max: 16 * 1024 * 1024 }), (n) => {
        const padded = paddedLength(n);
        expect(padded).toBeGreaterThanOrEqual(Math.max(32, n));
        expect(paddedLength(padded)).toBe(padded);
        if (n > 32) {
          const nextPower = 2 ** Math.ceil(Math.log2(n));
          expect(padded - n).toBeLessThan(Math.max(32, nextPower / 8));
          expect(padded % Math.max(32, nextPower / 8)).toBe(0);
        }
        // every size up to the bucket maps to the same bucket: the length is hidden within it
        if (n > 0 && padded > n) expect(paddedLength(padded - 1)).toBe(padded);
        if (n > 0) expect(paddedLength(n - 1)).toBeLessThanOrEqual(padded);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.nat({ max: 5000 }), fc.nat({ max: 5000 }), (a, b) => {
        const key = new Uint8Array(32).fill(1);
        const ctx = { label: 'l', recordId: 'r' };
        const lengthA = encryptContent(key, new Uint8Array(a), ctx).length;
        const lengthB = encryptContent(key, new Uint8Array(b), ctx).length;
        expect(lengthA === lengthB).toBe(paddedLength(a) === paddedLength(b));
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('tamper detection', () => {
  it('content: flipping any bit gives UNSUPPORTED_VERSION (version byte) or DECRYPT_FAILED', () => {
    fc.assert(
      fc.property(key32, bigBytes(2000), context, fc.nat(), (key, plaintext, ctx, bit) => {
        const blob = encryptContent(key, plaintext, ctx);
        const tampered = flipBit(blob, bit);
        const expected = (bit % (blob.length * 8)) >> 3 === 0 ? 'UNSUPPORTED_VERSION' : 'DECRYPT_FAILED';
        expectCryptoError(() => decryptContent(key, tampered, ctx), [expected]);
      }),
      { numRuns: 200 },
    );
  });

  it('content: truncating or extending at any byte gives a CryptoError', () => {
    fc.assert(
      fc.property(
        key32,
        bigBytes(500),
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        (k, p, cut, extra) => {
          const ctx = { label: 'l', recordId: 'r' };
          const blob = encryptContent(k, p, ctx);
          const at = cut % blob.length;
          expectCryptoError(
            () => decryptContent(k, blob.subarray(0, at), ctx),
            ['MALFORMED', 'DECRYPT_FAILED'],
          );
          expectCryptoError(
            () => decryptContent(k, new Uint8Array([...blob, ...extra]), ctx),
            ['DECRYPT_FAILED'],
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('key wrap: flipping any bit gives a CryptoError (version, bad ephemeral point, or authentication)', () => {
    fc.assert(
      fc.property(key32, secretKey, fc.nat(), (key, sk, bit) => {
        const ctx = { label: LABEL_NOTE_KEY_WRAP, recordId: 'n1' };
        const wrap = wrapKey(key, getPublicKey(sk), ctx);
        const byte = (bit % (wrap.length * 8)) >> 3;
        const code = expectCryptoError(
          () => unwrapKey(flipBit(wrap, bit), sk, ctx),
          ['UNSUPPORTED_VERSION', 'MALFORMED', 'DECRYPT_FAILED'],
        );
        if (byte === 0) expect(code).toBe('UNSUPPORTED_VERSION');
        if (byte >= 34) expect(code).toBe('DECRYPT_FAILED');
      }),
      { numRuns: 150 },
    );
  });

  it('envelope: flipping any bit of the ciphertext or of a wrap gives a CryptoError', () => {
    const readers = [1, 2, 3].map((i) => sha256(enc.encode(`env/${i}`)));
    const ctx = { purpose: PURPOSES.note, recordId: 'note-7' };
    const envelope = sealForReaders(enc.encode('a crisis note'), readers.map(getPublicKey), ctx);
    fc.assert(
      fc.property(fc.nat({ max: 3 }), fc.nat(), (target, bit) => {
        const copy: SealedEnvelope = { ...envelope, wraps: envelope.wraps.map((w) => ({ ...w })) };
        if (target === 3) copy.ciphertext = toBase64url(flipBit(fromBase64url(copy.ciphertext), bit));
        else copy.wraps[target]!.wrap = toBase64url(flipBit(fromBase64url(copy.wraps[target]!.wrap), bit));
        const reader = readers[target === 3 ? bit % 3 : target]!;
        expectCryptoError(
          () => openAsReader(copy, reader, ctx),
          ['UNSUPPORTED_VERSION', 'MALFORMED', 'DECRYPT_FAILED'],
        );
      }),
      { numRuns: 80 },
    );
  });

  it('recovery lock: flipping any bit gives UNSUPPORTED_VERSION or WRONG_RECOVERY_KEY', () => {
    const sk = sha256(enc.encode('recovery-owner'));
    const recovery = generateRecoveryKey();
    const blob = lockWithRecoveryKey(sk, recovery);
    fc.assert(
      fc.property(fc.nat(), (bit) => {
        const byte = (bit % (blob.length * 8)) >> 3;
        expectCryptoError(
          () => unlockWithRecoveryKey(flipBit(blob, bit), recovery),
          [byte === 0 ? 'UNSUPPORTED_VERSION' : 'WRONG_RECOVERY_KEY'],
        );
      }),
      { numRuns: 200 },
    );
  });

  it('hub event: flipping any bit of the decoded content gives a CryptoError', () => {
    const eventKey = deriveEventKey(sha256(enc.encode('hub')));
    const content = encryptHubEvent(eventKey, '{"type":"call:ring","callId":"c1"}');
    fc.assert(
      fc.property(fc.nat(), (bit) => {
        const tampered = toBase64url(flipBit(fromBase64url(content), bit));
        expectCryptoError(
          () => decryptHubEvent(eventKey, tampered),
          ['UNSUPPORTED_VERSION', 'DECRYPT_FAILED'],
        );
      }),
      { numRuns: 150 },
    );
  });

  // Streams: 3 full chunks of 1 KiB and a short last one.
  const streamKey = sha256(enc.encode('stream-key'));
  const streamCtx = { label: LABEL_ATTACHMENT_STREAM, recordId: 'file-9' };
  const streamPlain = new Uint8Array(3 * 1024 + 500).map((_, i) => (i * 13) & 0xff);
  const streamBlob = encryptBuffer(streamKey, streamPlain, streamCtx, 10);
  const SEALED = 1024 + 16;
  const chunksOf = (blob: Uint8Array) => {
    const out: Uint8Array[] = [];
    for (let o = 21; o < blob.length; o += SEALED) out.push(blob.slice(o, o + SEALED));
    return out;
  };
  const assemble = (header: Uint8Array, chunks: Uint8Array[]) =>
    new Uint8Array([...header, ...chunks.flatMap((c) => [...c])]);
  const header = streamBlob.subarray(0, 21);
  const chunks = chunksOf(streamBlob);
  const STREAM_FAILURES: CryptoErrorCode[] = ['DECRYPT_FAILED', 'TRUNCATED', 'MALFORMED'];

  it('stream: the fixture has 4 chunks and opens', () => {
    expect(chunks.map((c) => c.length)).toEqual([SEALED, SEALED, SEALED, 516]);
    expect(hexOf(decryptBuffer(streamKey, streamBlob, streamCtx))).toBe(hexOf(streamPlain));
  });

  it('stream: flipping any bit gives a CryptoError', () => {
    fc.assert(
      fc.property(fc.nat(), (bit) => {
        const byte = (bit % (streamBlob.length * 8)) >> 3;
        const code = expectCryptoError(
          () => decryptBuffer(streamKey, flipBit(streamBlob, bit), streamCtx),
          ['UNSUPPORTED_VERSION', ...STREAM_FAILURES],
        );
        if (byte === 0) expect(code).toBe('UNSUPPORTED_VERSION');
      }),
      { numRuns: 200 },
    );
  });

  it('stream: every reordering, drop or duplication of chunks fails', () => {
    let run = 0;
    const identity = [0, 1, 2, 3];
    const orders: number[][] = [];
    const permute = (prefix: number[], rest: number[]) => {
      if (rest.length === 0) orders.push(prefix);
      for (const i of rest)
        permute(
          [...prefix, i],
          rest.filter((x) => x !== i),
        );
    };
    permute([], identity);
    for (const order of orders) {
      if (order.join() === identity.join()) continue;
      expectCryptoError(
        () =>
          decryptBuffer(
            streamKey,
            assemble(
              header,
              order.map((i) => chunks[i]!),
            ),
            streamCtx,
          ),
        STREAM_FAILURES,
      );
      run++;
    }
    expect(run).toBe(23);
    for (let drop = 0; drop < 4; drop++) {
      const kept = chunks.filter((_, i) => i !== drop);
      const code = expectCryptoError(
        () => decryptBuffer(streamKey, assemble(header, kept), streamCtx),
        STREAM_FAILURES,
      );
      if (drop === 3) expect(code).toBe('TRUNCATED');
      run++;
    }
    for (let dup = 0; dup < 4; dup++) {
      const doubled = chunks.flatMap((c, i) => (i === dup ? [c, c] : [c]));
      expectCryptoError(
        () => decryptBuffer(streamKey, assemble(header, doubled), streamCtx),
        STREAM_FAILURES,
      );
      run++;
    }
    expect(run).toBe(31);
  });

  it('stream: a chunk spliced from another file under the same key fails', () => {
    const other = encryptBuffer(streamKey, streamPlain, streamCtx, 10);
    const otherChunks = chunksOf(other);
    for (let i = 0; i < 4; i++) {
      const spliced = chunks.map((c, j) => (j === i ? otherChunks[i]! : c));
      const code = expectCryptoError(
        () => decryptBuffer(streamKey, assemble(header, spliced), streamCtx),
        STREAM_FAILURES,
      );
      expect(code).toBe(i === 3 ? 'TRUNCATED' : 'DECRYPT_FAILED');
    }
    // the other file's header with our chunks fails too
    expectCryptoError(
      () => decryptBuffer(streamKey, assemble(other.subarray(0, 21), chunks), streamCtx),
      ['DECRYPT_FAILED'],
    );
  });

  it('stream: truncating at any byte gives TRUNCATED (MALFORMED for empty input), in both APIs', async () => {
    let run = 0;
    for (let length = 0; length < streamBlob.length; length++) {
      expectCryptoError(
        () => decryptBuffer(streamKey, streamBlob.subarray(0, length), streamCtx),
        [length === 0 ? 'MALFORMED' : 'TRUNCATED'],
      );
      run++;
    }
    expect(run).toBe(streamBlob.length);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: streamBlob.length - 1 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (length, cuts) => {
          const error = await rejection(
            collect(
              piecewise(streamBlob.slice(0, length), cuts).pipeThrough(decryptStream(streamKey, streamCtx)),
            ),
          );
          expect(error).toBeInstanceOf(CryptoError);
          expect((error as CryptoError).code).toBe('TRUNCATED');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stream: data appended after the final chunk fails, in both APIs', async () => {
    for (const extra of [1, 16, 100, SEALED]) {
      const longer = new Uint8Array([...streamBlob, ...new Uint8Array(extra).fill(7)]);
      expectCryptoError(() => decryptBuffer(streamKey, longer, streamCtx), STREAM_FAILURES);
      const error = await rejection(
        collect(piecewise(longer, [5, 900]).pipeThrough(decryptStream(streamKey, streamCtx))),
      );
      expect(error).toBeInstanceOf(CryptoError);
    }
  });

  it('stream: wrong key, label or record id fails on the first chunk', () => {
    expectCryptoError(() => decryptBuffer(sha256(streamKey), streamBlob, streamCtx), ['DECRYPT_FAILED']);
    expectCryptoError(
      () => decryptBuffer(streamKey, streamBlob, { ...streamCtx, recordId: 'file-10' }),
      ['DECRYPT_FAILED'],
    );
    expectCryptoError(
      () => decryptBuffer(streamKey, streamBlob, { ...streamCtx, label: 'x' }),
      ['DECRYPT_FAILED'],
    );
  });
});
