/**
 * attachmentReader (lib/attachments/decrypt.ts): the download's decoder, chunk by chunk in
 * place, in a buffer per chunk or one reused. It must give back exactly the file, read from a
 * byte stream (a BYOB reader, as a fetch body) or pieces, and refuse a stream cut short,
 * altered, longer than the file's layout or with altered padding — and always run onEnd (the
 * key is zeroed there).
 */
import { PURPOSES } from '@llamenos/crypto';
import { attachmentRecordId } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { attachmentReader, attachmentStream } from '../src/lib/attachments/decrypt.js';
import { newStreamHeader } from '../src/lib/attachments/format.js';
import { FileSealer } from '../src/lib/attachments/sealer.js';

const ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const key = new Uint8Array(32).fill(3);
const ctx = { label: PURPOSES.attachment.content, recordId: attachmentRecordId(ID) };
const fileBytes = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 13 + 1) & 0xff);

// A Blob's parts are typed as ArrayBuffer-backed views: the header and the sealed chunks are
// (made by `new Uint8Array`), though their functions declare plain Uint8Array.
async function sealedFile(file: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const header = newStreamHeader(16);
  const sealer = new FileSealer(new Blob([file]), key.slice(), header, ID);
  const parts = [header as Uint8Array<ArrayBuffer>];
  for (let i = 0; i < sealer.chunkCount; i++)
    parts.push((await sealer.seal(i)).sealed as Uint8Array<ArrayBuffer>);
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

/** `bytes` in pieces of `piece` bytes, as a byte stream (BYOB reads) or a default stream. */
function streamOf(bytes: Uint8Array, piece: number, byob: boolean): ReadableStream<Uint8Array> {
  let at = 0;
  if (byob)
    return new ReadableStream({
      type: 'bytes',
      pull(controller) {
        if (at >= bytes.length) {
          controller.close();
          controller.byobRequest?.respond(0);
          return;
        }
        const view = controller.byobRequest?.view;
        if (!view) {
          controller.enqueue(bytes.slice(at, at + piece));
          at += piece;
          return;
        }
        const take = Math.min(piece, view.byteLength, bytes.length - at);
        new Uint8Array(view.buffer, view.byteOffset, take).set(bytes.subarray(at, at + take));
        at += take;
        controller.byobRequest.respond(take);
      },
    });
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

/** The file read whole: as a stream (a buffer per chunk), or by reads copied out (one buffer reused). */
async function decrypt(sealed: Uint8Array, size: number, byob: boolean, reuse = false) {
  let ends = 0;
  const reader = attachmentReader(streamOf(sealed, 5000, byob), key.slice(), ctx, size, () => ends++, {
    reuse,
  });
  try {
    if (!reuse) return { bytes: new Uint8Array(await new Response(attachmentStream(reader)).arrayBuffer()) };
    const copies: Uint8Array<ArrayBuffer>[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      copies.push(value.slice());
    }
    return { bytes: new Uint8Array(await new Blob(copies).arrayBuffer()) };
  } catch (error) {
    return { error: error as Error };
  } finally {
    expect(ends).toBe(1);
  }
}

describe('attachmentReader', () => {
  for (const [byob, reuse] of [
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ] as const)
    for (const size of [0, 1, 65_536, 150_000, 300_000]) {
      it(`a ${size}-byte file comes back whole (${byob ? 'BYOB' : 'default'} reader, ${reuse ? 'one buffer' : 'a buffer per chunk'})`, async () => {
        const file = fileBytes(size);
        const result = await decrypt(await sealedFile(file), size, byob, reuse);
        expect(result.error).toBeUndefined();
        expect(result.bytes).toEqual(file);
      });
    }

  it('refuses padding that is not zeros, even where it authenticates', async () => {
    // A file of 150 000 bytes sealed as one of 150 001: the reader told 150 000 finds a 1 in the padding.
    const size = 150_000;
    const bytes = fileBytes(size + 1);
    bytes[size] = 1;
    const sealed = await sealedFile(bytes);
    for (const reuse of [false, true])
      expect((await decrypt(sealed, size, true, reuse)).error?.message).toMatch(/padding/);
  });

  for (const byob of [true, false])
    it(`refuses a stream cut short, altered, run on, or of another size (${byob ? 'BYOB' : 'default'})`, async () => {
      const size = 150_000;
      const sealed = await sealedFile(fileBytes(size));
      expect((await decrypt(sealed.subarray(0, sealed.length - 1), size, byob)).error).toBeDefined();
      expect((await decrypt(sealed.subarray(0, 21 + 65_536 + 16), size, byob)).error).toBeDefined();
      expect((await decrypt(sealed.subarray(0, 10), size, byob)).error).toBeDefined();
      const altered = sealed.slice();
      altered[21 + 70_000]! ^= 1;
      expect((await decrypt(altered, size, byob)).error).toBeDefined();
      const longer = new Uint8Array(sealed.length + 1);
      longer.set(sealed);
      expect((await decrypt(longer, size, byob)).error).toBeDefined();
      expect((await decrypt(sealed, 300_000, byob)).error).toBeDefined();
    });

  it('reads chunks into recycled buffers of the right length only, and still refuses a tampered chunk', async () => {
    const size = 300_000;
    const file = fileBytes(size);
    const sealed = await sealedFile(file);
    const sealedChunk = 65_536 + 16;
    // The pool offers buffers holding other bytes (an earlier piece's) and one of the wrong length.
    const read = async (bytes: Uint8Array) => {
      const offered: number[] = [];
      const used: ArrayBuffer[] = [];
      const pool = [new ArrayBuffer(10), new Uint8Array(sealedChunk).fill(0xee).buffer];
      const reader = attachmentReader(streamOf(bytes, 5000, true), key.slice(), ctx, size, () => {}, {
        reuse: false,
        recycled: (length) => {
          offered.push(length);
          return pool.shift();
        },
      });
      const copies: Uint8Array<ArrayBuffer>[] = [];
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          used.push(value.buffer as ArrayBuffer);
          copies.push(value.slice());
        }
      } catch (error) {
        return { error: error as Error, offered };
      }
      return { bytes: new Uint8Array(await new Blob(copies).arrayBuffer()), offered, used };
    };
    const whole = await read(sealed);
    expect(whole.bytes).toEqual(file);
    // Asked with the sealed chunk's exact length; the 10-byte buffer was passed over, the other used.
    expect(whole.offered.slice(0, 2)).toEqual([sealedChunk, sealedChunk]);
    expect(whole.used?.filter((b) => b.byteLength === 10)).toEqual([]);
    const altered = sealed.slice();
    altered[21 + 70_000]! ^= 1;
    expect((await read(altered)).error?.message).toMatch(/decrypt|authenticat|tamper|failed/i);
  });
});
