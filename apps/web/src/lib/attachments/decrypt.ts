import { CryptoError, STREAM_HEADER_LENGTH, type StreamContext, StreamOpener } from '@llamenos/crypto';
import { chunkRange, layoutOf, type StreamLayout, TAG_LENGTH } from './format.js';

/** Reads a given number of bytes into a buffer: BYOB where the stream offers it. */
interface Filler {
  /**
   * Fills `buffer` from its start with up to `length` bytes; returns the buffer to go on with
   * (a BYOB read hands back the same memory under a new ArrayBuffer) and how many bytes came
   * (fewer only at the end of the stream).
   */
  fill(buffer: ArrayBuffer, length: number): Promise<{ buffer: ArrayBuffer; filled: number }>;
  /** Whether the stream has ended (nothing comes after what was read). */
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
      async fill(buffer, length) {
        let filled = 0;
        while (filled < length) {
          const { done, value } = await reader.read(new Uint8Array(buffer, filled, length - filled));
          if (!value) throw new CryptoError('TRUNCATED', 'the download stopped');
          buffer = value.buffer as ArrayBuffer;
          if (done) break;
          filled += value.byteLength;
        }
        return { buffer, filled };
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
    async fill(buffer, length) {
      const bytes = new Uint8Array(buffer, 0, length);
      let filled = 0;
      while (filled < length) {
        const piece = await next();
        if (!piece) break;
        const take = Math.min(piece.length, length - filled);
        bytes.set(piece.subarray(0, take), filled);
        filled += take;
        if (take < piece.length) rest = piece.subarray(take);
      }
      return { buffer, filled };
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

/** What a reader of a decrypting attachment offers: a stream reader's read and cancel. */
export interface PlainReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * The file inside a sealed attachment (PROTOCOL.md §10.2), read chunk by chunk: each sealed
 * chunk is read into a buffer and decrypted in place there, and the file's part of it (the
 * padding cut and checked to be zeros) is what `read` answers. Nothing is read ahead of the
 * caller: the network waits, not memory. The chunk count comes from the file's padded size,
 * so the final chunk is opened as final; a stream that ends early, runs on, or fails to
 * authenticate rejects. `onEnd` runs once whatever happens (the caller zeroes the key there).
 *
 * `reuse`: one buffer serves every full chunk, so an answer is valid only until the next `read`
 * (a caller that copies each piece out). The app's download does not: it transfers each piece's
 * buffer to the service worker (save.ts), which frees the page's copy at once, where a copy into
 * the message left two buffers per chunk awaiting the collectors, the message's and the
 * worker's (measured, `npm run bench -- reports`: 199 → 106 MB for 1 GiB; 56 MB with `recycled`).
 * Without it each chunk has a buffer of its own, which the caller may keep.
 *
 * `recycled`: where a chunk's buffer may come from instead of a new allocation (the service
 * worker hands back the buffers the browser has finished with, save.ts): a buffer of exactly
 * the sealed chunk's length, or nothing. A full chunk's read overwrites all of it, so nothing of
 * what it held before is ever answered.
 */
export function attachmentReader(
  encrypted: ReadableStream<Uint8Array>,
  key: Uint8Array,
  ctx: StreamContext,
  size: number,
  onEnd: () => void,
  { reuse, recycled }: { reuse: boolean; recycled?: (length: number) => ArrayBuffer | undefined },
): PlainReader {
  const input = fillerOf(encrypted);
  let opener: StreamOpener | null = null;
  let layout: StreamLayout | null = null;
  let spare: ArrayBuffer | null = null;
  let index = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    opener = null;
    spare = null;
    onEnd();
  };

  /** The next chunk's file bytes (possibly none, for a chunk of padding only), or null after the last. */
  async function nextChunk(): Promise<Uint8Array | null> {
    if (!opener || !layout) {
      const got = await input.fill(new ArrayBuffer(STREAM_HEADER_LENGTH), STREAM_HEADER_LENGTH);
      if (got.filled < STREAM_HEADER_LENGTH)
        throw new CryptoError('TRUNCATED', 'file ended inside its header');
      const header = new Uint8Array(got.buffer);
      opener = new StreamOpener(key, header, ctx);
      layout = layoutOf(size, header[1]);
    }
    if (index >= layout.chunkCount) return null;
    const { start, end: stop, last } = chunkRange(layout, index);
    const plainLength = stop - start;
    const sealedLength = plainLength + TAG_LENGTH;
    // The final chunk, shorter, gets an exact buffer too: what lies past an answer in its buffer
    // is only its tag and checked padding, never an earlier chunk's bytes.
    const offered = reuse ? spare : recycled?.(sealedLength);
    const target = offered?.byteLength === sealedLength ? offered : new ArrayBuffer(sealedLength);
    const { buffer, filled } = await input.fill(target, sealedLength);
    if (reuse) spare = buffer;
    const sealed = new Uint8Array(buffer, 0, filled);
    if (filled < sealedLength) {
      // Opened as the final chunk, a short one fails as a truncated file.
      opener.open(sealed, true, sealed.subarray(0, Math.max(0, filled - TAG_LENGTH)));
      throw new CryptoError('TRUNCATED', 'file ended before its final chunk');
    }
    const plain = opener.open(sealed, last, sealed.subarray(0, plainLength));
    index++;
    if (last) {
      opener.finish();
      if (!(await input.ended())) throw new CryptoError('MALFORMED', 'data after the final chunk');
    }
    const keep = Math.max(0, Math.min(plainLength, size - start));
    for (let i = keep; i < plainLength; i++)
      if (plain[i] !== 0) throw new Error('the file does not match its report (padding altered)');
    return plain.subarray(0, keep);
  }

  return {
    async read() {
      if (ended) return { done: true, value: undefined };
      try {
        for (;;) {
          const piece = await nextChunk();
          if (!piece) {
            end();
            return { done: true, value: undefined };
          }
          if (piece.length > 0) return { done: false, value: piece };
        }
      } catch (error) {
        end();
        await input.cancel(error).catch(() => undefined);
        throw error;
      }
    },
    async cancel(reason) {
      end();
      await input.cancel(reason).catch(() => undefined);
    },
  };
}

/** The same as a stream, each chunk in a buffer of its own (for a Blob or a preview). */
export function attachmentStream(reader: PlainReader): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
