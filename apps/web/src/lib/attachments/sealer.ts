import { PURPOSES, StreamSealer } from '@llamenos/crypto';
import { attachmentRecordId } from '@llamenos/protocol';
import { chunkPlaintext, chunkRange, layoutOf, type StreamLayout, sha256Hex } from './format.js';

/** One sealed chunk of an upload, ready to send. */
export interface SealedChunk {
  index: number;
  /** The sealed bytes, or (from the upload worker) a File holding them (chunk-slots.ts). */
  sealed: Uint8Array | Blob;
  /** SHA-256 of the sealed bytes, lowercase hex: the request's payload hash and the resume check. */
  sha256: string;
  last: boolean;
}

/** Anything a File offers that sealing needs (a File, or a Blob with a size in tests). */
export type FileLike = Pick<Blob, 'size' | 'slice'>;

/**
 * Seals one file's chunks in any order asked (in practice in order, with a step back to re-seal
 * chunk received−1 for the resume check). Each chunk is read with File.slice, so only one chunk
 * of the file is in memory; a request for another index than the sealer's next re-positions it,
 * which is safe because the same bytes under the same key and counter give the same ciphertext.
 */
export class FileSealer {
  private readonly layout: StreamLayout;
  private readonly ctx: { label: string; recordId: string };
  private sealer: StreamSealer | null = null;

  constructor(
    private readonly file: FileLike,
    private readonly key: Uint8Array,
    private readonly header: Uint8Array,
    attachmentId: string,
  ) {
    this.layout = layoutOf(file.size, header[1]);
    this.ctx = { label: PURPOSES.attachment.content, recordId: attachmentRecordId(attachmentId) };
  }

  get chunkCount(): number {
    return this.layout.chunkCount;
  }

  async seal(index: number): Promise<SealedChunk> {
    if (this.sealer?.nextChunk !== index)
      this.sealer = StreamSealer.resume(this.key, this.header, this.ctx, index);
    const { last } = chunkRange(this.layout, index);
    const plain = await chunkPlaintext(this.layout, index, (start, end) =>
      this.file.slice(start, end).arrayBuffer(),
    );
    const sealed = this.sealer.seal(plain, last);
    return { index, sealed, sha256: await sha256Hex(sealed), last };
  }

  /** Forgets the file key. */
  close(): void {
    this.key.fill(0);
    this.sealer = null;
  }
}
