import { openChunk, sealChunk } from './chunk-aead.js';
import { concat, lengthPrefixed } from './encoding.js';
import { CryptoError, ensure } from './errors.js';
import { type RandomSource, secureRandom } from './random.js';

/**
 * Streaming file encryption: the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár)
 * over XChaCha20-Poly1305. A file is cut into fixed-size chunks; chunk i is sealed with the
 * nonce prefix (19 random bytes) || u32be(i) || last-flag, so reordering, truncation,
 * dropping the end or splicing chunks from another file all fail authentication.
 */
export const STREAM_VERSION = 1;
export const STREAM_HEADER_LENGTH = 1 + 1 + 19;
export const DEFAULT_CHUNK_LOG2 = 16; // 64 KiB
const MIN_CHUNK_LOG2 = 10;
const MAX_CHUNK_LOG2 = 24;
const TAG = 16;

export interface StreamContext {
  label: string;
  recordId: string;
}

interface StreamState {
  key: Uint8Array;
  header: Uint8Array;
  prefix: Uint8Array;
  aad: Uint8Array;
  chunkSize: number;
  counter: number;
  finished: boolean;
}

function chunkNonce(state: StreamState, last: boolean): Uint8Array {
  ensure(state.counter <= 0xffffffff, 'TOO_LARGE', 'stream exceeds 2^32 chunks');
  const nonce = new Uint8Array(24);
  nonce.set(state.prefix, 0);
  new DataView(nonce.buffer).setUint32(19, state.counter, false);
  nonce[23] = last ? 1 : 0;
  return nonce;
}

function makeState(key: Uint8Array, header: Uint8Array, ctx: StreamContext): StreamState {
  ensure(key.length === 32, 'INVALID_KEY', 'stream key must be 32 bytes');
  return {
    key,
    header,
    prefix: header.subarray(2, 21),
    aad: concat(header, lengthPrefixed(ctx.label), lengthPrefixed(ctx.recordId)),
    chunkSize: 2 ** (header[1] ?? 0),
    counter: 0,
    finished: false,
  };
}

/** The version byte comes first and is checked before any length (PROTOCOL.md §1.1). */
function ensureStreamVersion(first: number): void {
  ensure(first === STREAM_VERSION, 'UNSUPPORTED_VERSION', `stream version ${first} is not supported`);
}

/** Parses and checks a stream header: version || log2(chunk size) || nonce prefix. */
export function parseStreamHeader(header: Uint8Array): { chunkSize: number } {
  ensure(header.length >= 1, 'MALFORMED', 'empty stream header');
  ensureStreamVersion(header[0]!);
  ensure(header.length === STREAM_HEADER_LENGTH, 'MALFORMED', 'stream header length');
  const log2 = header[1]!;
  ensure(log2 >= MIN_CHUNK_LOG2 && log2 <= MAX_CHUNK_LOG2, 'MALFORMED', 'stream chunk size out of range');
  return { chunkSize: 2 ** log2 };
}

/** Seals chunks one at a time. Every chunk but the last holds exactly `chunkSize` bytes. */
export class StreamSealer {
  readonly header: Uint8Array;
  readonly chunkSize: number;
  private readonly state: StreamState;

  constructor(
    key: Uint8Array,
    ctx: StreamContext,
    chunkLog2 = DEFAULT_CHUNK_LOG2,
    random: RandomSource = secureRandom,
  ) {
    ensure(
      chunkLog2 >= MIN_CHUNK_LOG2 && chunkLog2 <= MAX_CHUNK_LOG2,
      'MALFORMED',
      'chunk size out of range',
    );
    this.header = concat(new Uint8Array([STREAM_VERSION, chunkLog2]), random(19));
    this.state = makeState(key, this.header, ctx);
    this.chunkSize = this.state.chunkSize;
  }

  /**
   * A sealer that continues an existing stream at chunk `counter`: the same key and header
   * (so the same nonce prefix), the next chunk sealed being chunk `counter`. A resumed upload
   * uses it to seal the chunks the server has not acknowledged, after checking that it re-reads
   * the very same file (re-sealing the same bytes gives the same ciphertext; different bytes
   * under the same key and nonces would reuse a nonce, so the caller must check first).
   */
  static resume(key: Uint8Array, header: Uint8Array, ctx: StreamContext, counter: number): StreamSealer {
    parseStreamHeader(header);
    ensure(
      Number.isSafeInteger(counter) && counter >= 0 && counter <= 0xffffffff,
      'MALFORMED',
      'chunk counter out of range',
    );
    const prefix = header.slice(2, STREAM_HEADER_LENGTH);
    // The constructor draws the nonce prefix from `random`; here it is the existing one.
    const sealer = new StreamSealer(key, ctx, header[1]!, (n) => {
      ensure(n === prefix.length, 'MALFORMED', 'nonce prefix length');
      return prefix.slice();
    });
    sealer.state.counter = counter;
    return sealer;
  }

  /** The index of the next chunk `seal` seals. */
  get nextChunk(): number {
    return this.state.counter;
  }

  /**
   * Seals the next chunk; `last` must be true exactly once, on the final chunk (which may be empty).
   * `output` (optional, exactly plaintext.length + 16 bytes, and it may be the buffer `plaintext`
   * starts) receives the sealed chunk instead of a new buffer: a writer sealing a large file in
   * place allocates nothing per chunk.
   */
  seal(plaintext: Uint8Array, last: boolean, output?: Uint8Array): Uint8Array {
    const s = this.state;
    ensure(!s.finished, 'MALFORMED', 'stream already finished');
    ensure(
      last ? plaintext.length <= s.chunkSize : plaintext.length === s.chunkSize,
      'MALFORMED',
      'chunk size',
    );
    ensure(output === undefined || output.length === plaintext.length + TAG, 'MALFORMED', 'output length');
    const out = sealChunk(s.key, chunkNonce(s, last), s.aad, plaintext, output);
    s.counter++;
    s.finished = last;
    return out;
  }
}

/** Opens chunks in order. `finish()` throws TRUNCATED if the final chunk never came. */
export class StreamOpener {
  readonly chunkSize: number;
  private readonly state: StreamState;

  constructor(key: Uint8Array, header: Uint8Array, ctx: StreamContext) {
    this.chunkSize = parseStreamHeader(header).chunkSize;
    this.state = makeState(key, header.slice(), ctx);
  }

  /**
   * Opens the next sealed chunk; `last` says whether the caller saw the end of the input after it.
   * `output` (optional, exactly sealed.length − 16 bytes, and it may be `sealed` itself from its
   * start) receives the plaintext instead of a new buffer: a reader decrypting a large file in
   * place allocates nothing per chunk. The tag is checked before anything is written to it.
   */
  open(sealed: Uint8Array, last: boolean, output?: Uint8Array): Uint8Array {
    const s = this.state;
    ensure(!s.finished, 'MALFORMED', 'data after the final chunk');
    ensure(sealed.length >= TAG, last ? 'TRUNCATED' : 'MALFORMED', 'file ended inside a chunk');
    ensure(sealed.length <= s.chunkSize + TAG, 'MALFORMED', 'sealed chunk size');
    ensure(last || sealed.length === s.chunkSize + TAG, 'MALFORMED', 'short chunk before the end');
    ensure(output === undefined || output.length === sealed.length - TAG, 'MALFORMED', 'output length');
    const plain = openChunk(s.key, chunkNonce(s, last), s.aad, sealed, output);
    if (!plain)
      throw new CryptoError(
        last ? 'TRUNCATED' : 'DECRYPT_FAILED',
        last
          ? 'file is truncated, reordered or altered (final chunk did not authenticate)'
          : `chunk ${s.counter} did not authenticate: altered, reordered or from another file`,
      );
    s.counter++;
    s.finished = last;
    return plain;
  }

  finish(): void {
    if (!this.state.finished) throw new CryptoError('TRUNCATED', 'file ended before its final chunk');
  }
}

/** Collects incoming byte pieces and hands out exact-size chunks, holding one back so the last is known. */
class Rechunker {
  private buffer: Uint8Array;
  private filled = 0;
  constructor(private readonly size: number) {
    this.buffer = new Uint8Array(size);
  }
  /** Adds bytes; calls `emit` for each full chunk that is known not to be the last. */
  push(bytes: Uint8Array, emit: (chunk: Uint8Array) => void): void {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.filled === this.size) {
        emit(this.buffer);
        this.buffer = new Uint8Array(this.size);
        this.filled = 0;
      }
      const take = Math.min(this.size - this.filled, bytes.length - offset);
      this.buffer.set(bytes.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
    }
  }
  /** What is left: the final chunk (possibly empty). */
  rest(): Uint8Array {
    return this.buffer.subarray(0, this.filled);
  }
}

/** A TransformStream that encrypts a byte stream: it emits the header, then sealed chunks. Memory stays at one chunk. */
export function encryptStream(
  key: Uint8Array,
  ctx: StreamContext,
  chunkLog2 = DEFAULT_CHUNK_LOG2,
  random: RandomSource = secureRandom,
): TransformStream<Uint8Array, Uint8Array> {
  const sealer = new StreamSealer(key, ctx, chunkLog2, random);
  const chunks = new Rechunker(sealer.chunkSize);
  return new TransformStream({
    start(controller) {
      controller.enqueue(sealer.header);
    },
    transform(bytes, controller) {
      chunks.push(bytes, (chunk) => controller.enqueue(sealer.seal(chunk, false)));
    },
    flush(controller) {
      controller.enqueue(sealer.seal(chunks.rest(), true));
    },
  });
}

/** A TransformStream that decrypts `encryptStream` output; errors the stream on any tampering or truncation. */
export function decryptStream(key: Uint8Array, ctx: StreamContext): TransformStream<Uint8Array, Uint8Array> {
  let header: Uint8Array = new Uint8Array(0);
  let opener: StreamOpener | undefined;
  let chunks: Rechunker | undefined;
  return new TransformStream({
    transform(bytes, controller) {
      let input = bytes;
      if (!opener) {
        const need = STREAM_HEADER_LENGTH - header.length;
        header = concat(header, input.subarray(0, need));
        input = input.subarray(need);
        if (header.length > 0) ensureStreamVersion(header[0]!);
        if (header.length < STREAM_HEADER_LENGTH) return;
        opener = new StreamOpener(key, header, ctx);
        chunks = new Rechunker(opener.chunkSize + TAG);
      }
      const o = opener;
      chunks!.push(input, (sealed) => controller.enqueue(o.open(sealed, false)));
    },
    flush(controller) {
      if (!opener) throw new CryptoError('TRUNCATED', 'file ended inside its header');
      controller.enqueue(opener.open(chunks!.rest(), true));
      opener.finish();
    },
  });
}

/** Encrypts a whole buffer with the streaming format (for small files and tests). */
export function encryptBuffer(
  key: Uint8Array,
  plaintext: Uint8Array,
  ctx: StreamContext,
  chunkLog2 = DEFAULT_CHUNK_LOG2,
  random: RandomSource = secureRandom,
): Uint8Array {
  const sealer = new StreamSealer(key, ctx, chunkLog2, random);
  const parts = [sealer.header];
  let offset = 0;
  while (plaintext.length - offset > sealer.chunkSize) {
    parts.push(sealer.seal(plaintext.subarray(offset, offset + sealer.chunkSize), false));
    offset += sealer.chunkSize;
  }
  parts.push(sealer.seal(plaintext.subarray(offset), true));
  return concat(...parts);
}

/** Decrypts a whole buffer in the streaming format. */
export function decryptBuffer(key: Uint8Array, blob: Uint8Array, ctx: StreamContext): Uint8Array {
  ensure(blob.length > 0, 'MALFORMED', 'empty file');
  ensureStreamVersion(blob[0]!);
  ensure(blob.length >= STREAM_HEADER_LENGTH, 'TRUNCATED', 'file ended inside its header');
  const opener = new StreamOpener(key, blob.subarray(0, STREAM_HEADER_LENGTH), ctx);
  const size = opener.chunkSize + TAG;
  const parts: Uint8Array[] = [];
  let offset = STREAM_HEADER_LENGTH;
  while (blob.length - offset > size) {
    parts.push(opener.open(blob.subarray(offset, offset + size), false));
    offset += size;
  }
  parts.push(opener.open(blob.subarray(offset), true));
  opener.finish();
  return concat(...parts);
}
