import { encryptStream, type StreamContext } from '@llamenos/crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export const MiB = 1024 * 1024;
/** Size of each piece fed to the stream, as a file reader would hand them out. */
export const PIECE = MiB;
/** The protocol's default STREAM chunk (64 KiB). */
export const RAW_CHUNK = 64 * 1024;

/** The same deterministic, non-zero 1 MiB piece, yielded until `total` bytes have gone by. */
export function* pieces(total: number): Generator<Uint8Array> {
  const piece = new Uint8Array(PIECE);
  for (let i = 0; i < piece.length; i++) piece[i] = (i * 31 + 7) & 0xff;
  for (let sent = 0; sent < total; sent += PIECE) {
    yield total - sent >= PIECE ? piece : piece.subarray(0, total - sent);
  }
}

/**
 * A web stream of `pieces` (`ReadableStream.from`: in Node since 20.6, missing from the DOM
 * library types this project compiles against).
 */
export function streamOfPieces(source: Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  const from = (ReadableStream as unknown as { from(it: Iterable<Uint8Array>): ReadableStream<Uint8Array> })
    .from;
  return from.call(ReadableStream, source);
}

/**
 * Encrypts `total` bytes through the library's TransformStream and reads the output without
 * keeping it. `onRead` is called after each output chunk (used for memory sampling).
 * Returns the number of ciphertext bytes produced.
 */
export async function encryptThroughStream(
  key: Uint8Array,
  ctx: StreamContext,
  total: number,
  onRead?: (count: number) => void,
): Promise<number> {
  const source = streamOfPieces(pieces(total));
  const reader = source.pipeThrough(encryptStream(key, ctx)).getReader();
  let bytes = 0;
  let count = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    onRead?.(++count);
  }
  return bytes;
}

const lp = (text: string): Uint8Array => {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(2 + bytes.length);
  out[0] = bytes.length >> 8;
  out[1] = bytes.length & 0xff;
  out.set(bytes, 2);
  return out;
};

/**
 * The baseline: XChaCha20-Poly1305 over the same bytes in 64 KiB chunks, called directly,
 * with the same per-chunk nonces and associated data as the STREAM format (so the output is
 * byte-identical to the library's, header aside). `emit` receives each sealed chunk.
 */
export function rawStreamEncrypt(
  key: Uint8Array,
  header: Uint8Array,
  ctx: StreamContext,
  input: Iterable<Uint8Array>,
  emit: (sealed: Uint8Array) => void = () => {},
): number {
  const label = lp(ctx.label);
  const record = lp(ctx.recordId);
  const aad = new Uint8Array(header.length + label.length + record.length);
  aad.set(header, 0);
  aad.set(label, header.length);
  aad.set(record, header.length + label.length);
  const nonce = new Uint8Array(24);
  nonce.set(header.subarray(2, 21), 0);
  const view = new DataView(nonce.buffer);
  let counter = 0;
  let bytes = 0;
  const seal = (chunk: Uint8Array, last: boolean) => {
    view.setUint32(19, counter++, false);
    nonce[23] = last ? 1 : 0;
    const sealed = xchacha20poly1305(key, nonce, aad).encrypt(chunk);
    bytes += sealed.length;
    emit(sealed);
  };
  // One chunk is held back so that the final one (full, short or, for empty input, empty)
  // carries the last flag, as in the library.
  let pending: Uint8Array | undefined;
  for (const piece of input) {
    for (let off = 0; off < piece.length; off += RAW_CHUNK) {
      if (pending) seal(pending, false);
      pending = piece.subarray(off, Math.min(off + RAW_CHUNK, piece.length));
    }
  }
  seal(pending ?? new Uint8Array(0), true);
  return bytes;
}
