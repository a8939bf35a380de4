import { PURPOSES, StreamSealer } from '@llamenos/crypto';
import { attachmentRecordId } from '@llamenos/protocol';
import { chunkRange, layoutOf, type StreamLayout, sha256Hex, TAG_LENGTH } from './format.js';

/** One sealed chunk of an upload, ready to send. */
export interface SealedChunk {
  index: number;
  /** The sealed bytes, or (from the upload worker) a File holding them (chunk-slots.ts). */
  sealed: Uint8Array | Blob;
  /** SHA-256 of the sealed bytes, lowercase hex: the request's payload hash and the resume check. */
  sha256: string;
  last: boolean;
}

/** A sealed chunk still in the sealer's own buffer: valid only until the sealer's next call. */
export interface BorrowedChunk extends SealedChunk {
  sealed: Uint8Array;
}

/** Anything a File offers that sealing needs (a File, or a Blob with a size in tests). */
export type FileLike = Pick<Blob, 'size' | 'slice'>;

/**
 * Seals one file's chunks in any order asked (in practice in order, with a step back to re-seal
 * chunk received−1 for the resume check). A request for another index than the sealer's next
 * re-positions it, which is safe because the same bytes under the same key and counter give the
 * same ciphertext.
 *
 * Memory: every chunk is read into, padded and sealed in place in ONE buffer of a sealed chunk's
 * size, made once per file. A new 4 MiB buffer per read and another per sealed chunk were
 * garbage the worker's collector reclaims only after tens of megabytes of them (measured: the
 * upload's renderer grew ~100 MB whatever the file's size); reused, the upload allocates nothing
 * per chunk but the read's own bookkeeping.
 */
export class FileSealer {
  private readonly layout: StreamLayout;
  private readonly ctx: { label: string; recordId: string };
  private sealer: StreamSealer | null = null;
  /** The one buffer chunks are read and sealed in (a BYOB read hands it back as a new object). */
  private work: ArrayBuffer;
  private readonly workLength: number;

  constructor(
    private readonly file: FileLike,
    private readonly key: Uint8Array,
    private readonly header: Uint8Array,
    attachmentId: string,
  ) {
    this.layout = layoutOf(file.size, header[1]);
    this.ctx = { label: PURPOSES.attachment.content, recordId: attachmentRecordId(attachmentId) };
    this.workLength = Math.min(this.layout.chunkSize, this.layout.padded) + TAG_LENGTH;
    this.work = new ArrayBuffer(this.workLength);
  }

  get chunkCount(): number {
    return this.layout.chunkCount;
  }

  /**
   * Seals chunk `index` in the sealer's buffer and returns a view of it: the caller uses (writes
   * out, hashes, copies) the bytes before asking for another chunk.
   */
  async sealInPlace(index: number): Promise<BorrowedChunk> {
    if (this.sealer?.nextChunk !== index)
      this.sealer = StreamSealer.resume(this.key, this.header, this.ctx, index);
    const { start, end, fileEnd, last } = chunkRange(this.layout, index);
    const plainLength = end - start;
    await this.readFile(start, fileEnd);
    // The padding after the file's end: zeros, whatever the buffer held before.
    new Uint8Array(this.work, fileEnd - start, plainLength - (fileEnd - start)).fill(0);
    const out = new Uint8Array(this.work, 0, plainLength + TAG_LENGTH);
    const sealed = this.sealer.seal(out.subarray(0, plainLength), last, out);
    return { index, sealed, sha256: await sha256Hex(sealed), last };
  }

  /** Seals chunk `index` into bytes of its own (the caller keeps them). */
  async seal(index: number): Promise<SealedChunk> {
    const chunk = await this.sealInPlace(index);
    return { ...chunk, sealed: chunk.sealed.slice() };
  }

  /**
   * Reads the file's bytes [start, end) to the start of the work buffer. A byte stream's BYOB
   * reader fills the buffer itself; where a browser has none, the bytes are read and copied.
   */
  private async readFile(start: number, end: number): Promise<void> {
    const length = end - start;
    if (length === 0) return;
    const piece = this.file.slice(start, end);
    let reader: ReadableStreamBYOBReader | null = null;
    try {
      if (typeof (piece as Blob).stream === 'function')
        reader = (piece as Blob).stream().getReader({ mode: 'byob' });
    } catch {
      reader = null;
    }
    if (!reader) {
      const bytes = new Uint8Array(await piece.arrayBuffer());
      if (bytes.length !== length) throw changed();
      new Uint8Array(this.work).set(bytes);
      return;
    }
    let at = 0;
    try {
      while (at < length) {
        const { value, done } = await reader.read(new Uint8Array(this.work, at, length - at));
        // The buffer comes back (as a new object over the same memory) even with `done`.
        if (value) this.work = value.buffer as ArrayBuffer;
        if (done) break;
        at += value.byteLength;
      }
    } finally {
      reader.cancel().catch(() => undefined);
      // A read that failed may keep the buffer; the next chunk gets a new one.
      if (this.work.byteLength === 0) this.work = new ArrayBuffer(this.workLength);
    }
    if (at !== length) throw changed();
  }

  /** Forgets the file key and the last chunk. */
  close(): void {
    this.key.fill(0);
    this.sealer = null;
    new Uint8Array(this.work).fill(0);
  }
}

const changed = () => new Error('the file changed while it was read (its size is not the one chosen)');
