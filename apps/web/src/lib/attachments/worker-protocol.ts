import type { SealedChunk } from './sealer.js';

/**
 * What the page and an upload worker (upload.worker.ts) say to each other. One worker seals one
 * file: it holds the File handle, the file key and the stream header, and answers each `seal`
 * with the sealed chunk's SHA-256 and the chunk itself: kept in the worker's slot file, which
 * the worker sends on `put` (the page signs the request), or its buffer transferred, not copied.
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
  /** Sends held chunk `index` with the page's signed request (path, method, headers). */
  | { op: 'put'; index: number; path: string; method: string; headers: [string, string][] }
  /** Aborts the `put` of that call id. */
  | { op: 'abort-put'; put: number }
  | { op: 'close' }
);

/** A chunk the worker keeps and sends itself: the page gets its hash only. */
export type HeldChunk = Omit<SealedChunk, 'sealed' | 'send'> & { held: true };

/** A `put`'s answer as the worker read it: the page makes a Response of it again. */
export interface PutAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

export type UploadWorkerReply =
  | { id: number; ok: true; chunk?: SealedChunk | HeldChunk; answer?: PutAnswer }
  | { id: number; ok: false; message: string };
