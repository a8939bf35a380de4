/**
 * The attachment format (PROTOCOL.md §10.2, lib/attachments/format.ts): padding, chunk layout,
 * the sealed stream a FileSealer makes (it must decrypt with the §10 decoder and give back the
 * file exactly once the padding is cut), and the checks that refuse a stream or a re-chosen
 * file that does not match.
 */
import { decryptStream, PURPOSES, StreamSealer } from '@llamenos/crypto';
import { attachmentRecordId, paddedLength } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { cutPadding } from '../src/lib/attachments/download.js';
import {
  CHUNK_LOG2,
  CHUNK_SIZE,
  chunkRange,
  layoutOf,
  newStreamHeader,
  resumeProblem,
  sameText,
  sha256Hex,
} from '../src/lib/attachments/format.js';
import { FileSealer } from '../src/lib/attachments/sealer.js';

const ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const key = new Uint8Array(32).fill(3);
const fileOf = (length: number) => new Blob([Uint8Array.from({ length }, (_, i) => (i * 13 + 1) & 0xff)]);
const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The whole server file for `file`: header || every sealed chunk, made by a FileSealer. */
async function sealedFile(file: Blob, header: Uint8Array): Promise<Uint8Array[]> {
  const sealer = new FileSealer(file, key.slice(), header, ID);
  const parts = [header];
  // The page's sealer hands its chunks as bytes (a Blob comes only from the upload worker).
  for (let i = 0; i < sealer.chunkCount; i++) parts.push((await sealer.seal(i)).sealed as Uint8Array);
  return parts;
}

const streamOf = (parts: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });

const open = (parts: Uint8Array[], size: number) =>
  collect(
    streamOf(parts)
      .pipeThrough(
        decryptStream(key, { label: PURPOSES.attachment.content, recordId: attachmentRecordId(ID) }),
      )
      .pipeThrough(cutPadding(size)),
  );

describe('layout', () => {
  it('pads to at least 64 KiB and to an eighth of the size’s power of two, in the client’s chunks', () => {
    expect(layoutOf(0)).toMatchObject({ padded: 65_536, chunkSize: CHUNK_SIZE, chunkCount: 1 });
    expect(layoutOf(65_537)).toMatchObject({ padded: 65_536 + 8192, chunkCount: 1 });
    expect(layoutOf(CHUNK_SIZE * 2)).toMatchObject({ padded: CHUNK_SIZE * 2, chunkCount: 2 });
    expect(layoutOf(CHUNK_SIZE * 2 + 1)).toMatchObject({
      padded: CHUNK_SIZE * 2 + CHUNK_SIZE / 4,
      chunkCount: 3,
    });
    const gib = layoutOf(2 ** 30 + 5);
    expect(gib.padded).toBe(2 ** 30 + 2 ** 27);
    expect(gib.chunkCount).toBe((2 ** 30 + 2 ** 27) / CHUNK_SIZE);
  });

  it('chunk ranges cover the padded plaintext once, the last flagged', () => {
    const layout = layoutOf(CHUNK_SIZE * 2 + 1);
    const ranges = [0, 1, 2].map((i) => chunkRange(layout, i));
    expect(ranges.map((r) => [r.start, r.end, r.fileEnd, r.last])).toEqual([
      [0, CHUNK_SIZE, CHUNK_SIZE, false],
      [CHUNK_SIZE, 2 * CHUNK_SIZE, 2 * CHUNK_SIZE, false],
      [2 * CHUNK_SIZE, 2 * CHUNK_SIZE + CHUNK_SIZE / 4, 2 * CHUNK_SIZE + 1, true],
    ]);
    expect(() => chunkRange(layout, 3)).toThrow(RangeError);
    expect(() => chunkRange(layout, -1)).toThrow(RangeError);
  });

  it('a chunk is the file’s bytes in its range, then zeros, even in a buffer that held a chunk before; a file that shrank is refused', async () => {
    const file = fileOf(70_000);
    const header = newStreamHeader(16);
    const ctx = { label: PURPOSES.attachment.content, recordId: attachmentRecordId(ID) };
    const sealer = new FileSealer(file, key.slice(), header, ID);
    // Chunk 0 fills the sealer's one buffer; chunk 1 (the file's end, then padding) follows in it.
    await sealer.sealInPlace(0);
    const second = (await sealer.sealInPlace(1)).sealed.slice();
    expect(second.length).toBe(paddedLength(70_000) - 65_536 + 16);
    const plain = StreamSealer.resume(key, header, ctx, 1);
    const expected = new Uint8Array(paddedLength(70_000) - 65_536);
    expected.set((await bytesOf(file)).subarray(65_536));
    expect(second).toEqual(plain.seal(expected, true));
    const shrunk = { size: 70_000, slice: () => new Blob([new Uint8Array(10)]) };
    await expect(new FileSealer(shrunk, key.slice(), header, ID).sealInPlace(1)).rejects.toThrow(/changed/);
  });

  it('a new header is version 1, the chunk size, and a fresh prefix', () => {
    const a = newStreamHeader();
    const b = newStreamHeader();
    expect(a.length).toBe(21);
    expect([a[0], a[1]]).toEqual([1, CHUNK_LOG2]);
    expect(a.subarray(2)).not.toEqual(b.subarray(2));
  });
});

describe('sealed stream', () => {
  for (const size of [0, 1, 65_536, 150_000]) {
    it(`a ${size}-byte file decrypts to itself with the padding cut`, async () => {
      const file = fileOf(size);
      const header = newStreamHeader(16);
      const parts = await sealedFile(file, header);
      expect(parts.length - 1).toBe(layoutOf(size, 16).chunkCount);
      expect(await open(parts, size)).toEqual(await bytesOf(file));
    });
  }

  it('equals StreamSealer over the padded bytes, and hashes each chunk as sent', async () => {
    const file = fileOf(150_000);
    const header = newStreamHeader(16);
    const sealer = new FileSealer(file, key.slice(), header, ID);
    const padded = new Uint8Array(paddedLength(150_000));
    padded.set(await bytesOf(file));
    const reference = StreamSealer.resume(
      key,
      header,
      { label: PURPOSES.attachment.content, recordId: attachmentRecordId(ID) },
      0,
    );
    for (let i = 0; i < sealer.chunkCount; i++) {
      const chunk = await sealer.seal(i);
      const last = i === sealer.chunkCount - 1;
      expect(chunk.sealed).toEqual(reference.seal(padded.subarray(i * 65_536, (i + 1) * 65_536), last));
      expect(chunk.sha256).toBe(await sha256Hex(chunk.sealed as Uint8Array));
      expect(chunk.last).toBe(last);
    }
    // Re-sealing an earlier chunk (the resume check) gives the same bytes.
    const first = await sealer.seal(0);
    expect(first.sealed).toEqual(
      StreamSealer.resume(
        key,
        header,
        { label: PURPOSES.attachment.content, recordId: attachmentRecordId(ID) },
        0,
      ).seal(padded.subarray(0, 65_536), false),
    );
  });

  it('a stream cut short, altered, or under another id does not open', async () => {
    const size = 150_000;
    const parts = await sealedFile(fileOf(size), newStreamHeader(16));
    await expect(open(parts.slice(0, -1), size)).rejects.toThrow();
    const altered = parts.map((p) => p.slice());
    altered[1]![5]! ^= 1;
    await expect(open(altered, size)).rejects.toThrow();
    await expect(
      collect(
        streamOf(parts).pipeThrough(
          decryptStream(key, {
            label: PURPOSES.attachment.content,
            recordId: attachmentRecordId('7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6'),
          }),
        ),
      ),
    ).rejects.toThrow();
  });
});

describe('cutPadding', () => {
  const run = (pieces: Uint8Array[], size: number) => collect(streamOf(pieces).pipeThrough(cutPadding(size)));
  const padded = (size: number) => {
    const bytes = new Uint8Array(paddedLength(size));
    bytes.fill(9, 0, size);
    return bytes;
  };

  it('keeps exactly the file across pieces', async () => {
    const all = padded(70_000);
    const out = await run([all.subarray(0, 1000), all.subarray(1000, 69_999), all.subarray(69_999)], 70_000);
    expect(out.length).toBe(70_000);
    expect(out.every((b) => b === 9)).toBe(true);
  });

  it('refuses a stream longer or shorter than the report says, or padding that is not zeros', async () => {
    await expect(run([padded(100), new Uint8Array(1)], 100)).rejects.toThrow(/longer/);
    await expect(run([padded(100).subarray(1)], 100)).rejects.toThrow(/shorter/);
    const bad = padded(100);
    bad[200] = 1;
    await expect(run([bad], 100)).rejects.toThrow(/padding/);
    await expect(run([padded(200_000)], 100)).rejects.toThrow();
  });
});

describe('resume check', () => {
  const base = { fileSize: 150_000, metaSize: 150_000, chunkCount: 3, chunkLog2: 16, received: 2 };
  const hash = 'ab'.repeat(32);

  it('accepts the same file: same size, same re-sealed chunk', () => {
    expect(resumeProblem({ ...base, resealedSha256: hash, lastChunkSha256: hash })).toBeNull();
    expect(resumeProblem({ ...base, received: 0, resealedSha256: null, lastChunkSha256: null })).toBeNull();
  });

  it('with nothing acknowledged, compares re-sealed chunk 0 with the hash declared at the opening', () => {
    const zero = { ...base, received: 0, lastChunkSha256: null };
    expect(resumeProblem({ ...zero, resealedSha256: hash, firstChunkSha256: hash })).toBeNull();
    expect(resumeProblem({ ...zero, resealedSha256: 'cd'.repeat(32), firstChunkSha256: hash })).toBe(
      'other-file',
    );
    expect(resumeProblem({ ...zero, resealedSha256: null, firstChunkSha256: hash })).toBe('other-file');
    // An upload opened without a declaration has only the size (and the report's fingerprint).
    expect(resumeProblem({ ...zero, resealedSha256: null, firstChunkSha256: null })).toBeNull();
  });

  it('refuses another size, another stream shape, or other bytes', () => {
    expect(resumeProblem({ ...base, fileSize: 150_001, resealedSha256: hash, lastChunkSha256: hash })).toBe(
      'other-size',
    );
    expect(resumeProblem({ ...base, chunkCount: 4, resealedSha256: hash, lastChunkSha256: hash })).toBe(
      'other-stream',
    );
    expect(resumeProblem({ ...base, received: 4, resealedSha256: hash, lastChunkSha256: hash })).toBe(
      'other-stream',
    );
    expect(resumeProblem({ ...base, resealedSha256: 'cd'.repeat(32), lastChunkSha256: hash })).toBe(
      'other-file',
    );
    expect(resumeProblem({ ...base, resealedSha256: hash, lastChunkSha256: null })).toBe('other-file');
  });

  it('sameText compares whole strings', () => {
    expect(sameText('abc', 'abc')).toBe(true);
    expect(sameText('abc', 'abd')).toBe(false);
    expect(sameText('abc', 'ab')).toBe(false);
  });
});
