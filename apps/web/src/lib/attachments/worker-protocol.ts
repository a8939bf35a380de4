import type { SealedChunk } from './sealer.js';

/**
 * What the page and an upload worker (upload.worker.ts) say to each other. One worker seals one
 * file: it holds the File handle, the file key and the stream header, and answers each `seal`
 * with the sealed chunk (a File in the origin-private file system, or its buffer transferred,
 * not copied) and the chunk's SHA-256.
 */

export type UploadWorkerCall = { id: number } & (
  | {
      op: 'open';
      file: File;
      /** A copy of the file key, zeroed by the worker on `close`. */
      key: Uint8Array;
      header: Uint8Array;
      attachmentId: string;
      /** False to send chunks as bytes even where files are possible (the benchmark compares both). */
      chunkFiles: boolean;
    }
  | { op: 'seal'; index: number }
  | { op: 'close' }
);

export type UploadWorkerReply =
  | { id: number; ok: true; chunk?: SealedChunk }
  | { id: number; ok: false; message: string };
