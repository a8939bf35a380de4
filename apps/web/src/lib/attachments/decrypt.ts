import { CryptoError, STREAM_HEADER_LENGTH, type StreamContext, StreamOpener } from '@llamenos/crypto';
import { chunkRange, layoutOf, type StreamLayout, TAG_LENGTH } from './format.js';

/** Reads into `target` until it is full or the stream ends: BYOB where the stream offers it. */
interface Filler {
  /** Fills a new buffer of `length` bytes; returns it and how many bytes came (less only at the end). */
  fill(length: number): Promise<{ bytes: Uint8Array; filled: number }>;
  /** Whether the stream has ended (a read past its last byte gives nothing). */
  ended(): Promise<boolean>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * Bytes read straight into the caller's buffer (a byte stream's BYOB reader: a fetch body in
 * Chromium and Firefox), so no piece of the download is allocated on its own; else pieces read
 * and copied in.
 */
function fillerOf(stream: ReadableStream<Uint8Array>): Filler {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    byob = null;
  }
  if (byob) {
    const reader = byob;
    return {
      async fill(length) {
        let buffer = new ArrayBuffer(length);
        let filled = 0;
        while (filled < length) {
          const { done, value } = await reader.read(new Uint8Array(buffer, filled, length - filled));
          // A read transfers the buffer: the answer's view is the one to go on with.
          if (!value) throw new CryptoError('TRUNCATED', 'the download stopped');
          buffer = value.buffer as ArrayBuffer;
          if (done) break;
          filled += value.byteLength;
        }
        return { bytes: new Uint8Array(buffer, 0, length), filled };
      },
      async ended() {
        const { done, value } = await reader.read(new Uint8Array(1));
        return done || !value || value.byteLength === 0;
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  const reader = stream.getReader();
  let rest: Uint8Array | null = null;
  const next = async (): Promise<Uint8Array | null> => {
    if (rest?.length) {
      const piece = rest;
      rest = null;
      return piece;
    }
    const { done, value } = await reader.read();
    return done ? null : value;
  };
  return {
    async fill(length) {
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const piece = await next();
        if (!piece) break;
        const take = Math.min(piece.length, length - filled);
        bytes.set(piece.subarray(0, take), filled);
        filled += take;
        if (take < piece.length) rest = piece.subarray(take);
      }
      return { bytes, filled };
    },
    async ended() {
      for (;;) {
        const piece = await next();
        if (!piece) return true;
        if (piece.length > 0) return false;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/**
 * The padded plaintext of a sealed attachment (PROTOCOL.md §10.2) as a stream, one chunk per
 * pull: each sealed chunk is read into a buffer of its own and decrypted in place there, and
 * that buffer is what goes on (to the service worker, transferred), so a chunk costs one
 * allocation and no copy. Nothing is read ahead of the reader (high-water mark 0): the network
 * waits, not memory. The chunk count comes from the file's padded size, so the final chunk is
 * opened as final; a stream that ends early, runs on, or fails to authenticate errors the stream.
 * `onEnd` runs once whatever happens (the caller zeroes the key there).
 */
export function decryptAttachment(
  encrypted: ReadableStream<Uint8Array>,
  key: Uint8Array,
  ctx: StreamContext,
  size: number,
  onEnd: () => void,
): ReadableStream<Uint8Array> {
  const input = fillerOf(encrypted);
  let opener: StreamOpener | null = null;
  let layout: StreamLayout | null = null;
  let index = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    opener = null;
    onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!opener || !layout) {
            const { bytes, filled } = await input.fill(STREAM_HEADER_LENGTH);
            if (filled < STREAM_HEADER_LENGTH)
              throw new CryptoError('TRUNCATED', 'file ended inside its header');
            opener = new StreamOpener(key, bytes, ctx);
            layout = layoutOf(size, bytes[1]);
          }
          const { start, end: stop, last } = chunkRange(layout, index);
          const plainLength = stop - start;
          const { bytes, filled } = await input.fill(plainLength + TAG_LENGTH);
          const sealed = bytes.subarray(0, filled);
          if (filled < plainLength + TAG_LENGTH) {
            // Opened as the final chunk, a short one fails as a truncated file.
            opener.open(sealed, true, sealed.subarray(0, Math.max(0, filled - TAG_LENGTH)));
            throw new CryptoError('TRUNCATED', 'file ended before its final chunk');
          }
          const plain = opener.open(sealed, last, bytes.subarray(0, plainLength));
          index++;
          if (last) {
            opener.finish();
            if (!(await input.ended())) throw new CryptoError('MALFORMED', 'data after the final chunk');
            end();
            controller.enqueue(plain);
            controller.close();
            return;
          }
          controller.enqueue(plain);
        } catch (error) {
          end();
          await input.cancel(error).catch(() => undefined);
          throw error;
        }
      },
      async cancel(reason) {
        end();
        await input.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
