import { layoutOf } from './format.js';
import { FileSealer, type SealedChunk } from './sealer.js';
import type { UploadWorkerCall, UploadWorkerReply } from './worker-protocol.js';

/** Where an upload gets its sealed chunks: a worker in the browser, the page itself in tests. */
export interface ChunkSource {
  readonly chunkCount: number;
  seal(index: number): Promise<SealedChunk>;
  close(): void;
}

type Call = UploadWorkerCall extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/**
 * Set to "bytes" in this tab's session storage, chunks go as bytes even where the browser could
 * send them as files (chunk-slots.ts). Only `npm run bench -- reports` sets it, to measure both
 * ways in one run; nothing in the app does.
 */
export const CHUNK_BODIES_SWITCH = 'llamenos-bench-chunk-bodies';

function chunkFilesWanted(): boolean {
  try {
    return globalThis.sessionStorage?.getItem(CHUNK_BODIES_SWITCH) !== 'bytes';
  } catch {
    return true;
  }
}

/** Seals in a dedicated worker (upload.worker.ts); the file key goes to the worker as a copy. */
class WorkerChunkSource implements ChunkSource {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (c?: SealedChunk) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private closed = false;

  constructor(
    file: File,
    key: Uint8Array,
    header: Uint8Array,
    attachmentId: string,
    readonly chunkCount: number,
  ) {
    this.worker = new Worker(new URL('./upload.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<UploadWorkerReply>) => {
      const reply = event.data;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiter) return;
      if (reply.ok) waiter.resolve(reply.chunk);
      else waiter.reject(new Error(reply.message));
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.failAll(new Error(event.message || 'the upload worker failed'));
    };
    this.call({
      op: 'open',
      file,
      key: key.slice(),
      header: header.slice(),
      attachmentId,
      chunkFiles: chunkFilesWanted(),
    }).catch(() => undefined);
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  private call(call: Call): Promise<SealedChunk | undefined> {
    if (this.closed) return Promise.reject(new Error('the upload has ended'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...call, id });
    });
  }

  async seal(index: number): Promise<SealedChunk> {
    const chunk = await this.call({ op: 'seal', index });
    if (!chunk) throw new Error('the upload worker sent no chunk');
    return chunk;
  }

  close(): void {
    if (this.closed) return;
    // The worker zeroes its key copy, then ends.
    this.worker.postMessage({ op: 'close', id: 0 });
    this.closed = true;
    this.failAll(new Error('the upload has ended'));
    setTimeout(() => this.worker.terminate(), 1000);
  }
}

/** Seals on the calling thread (tests, or a browser without module workers). */
class InlineChunkSource implements ChunkSource {
  private readonly sealer: FileSealer;
  constructor(file: Pick<Blob, 'size' | 'slice'>, key: Uint8Array, header: Uint8Array, attachmentId: string) {
    this.sealer = new FileSealer(file, key.slice(), header.slice(), attachmentId);
  }
  get chunkCount(): number {
    return this.sealer.chunkCount;
  }
  seal(index: number): Promise<SealedChunk> {
    return this.sealer.seal(index);
  }
  close(): void {
    this.sealer.close();
  }
}

/** A chunk source for `file`: a worker where the browser has them, else the page itself. */
export function openChunkSource(
  file: Pick<Blob, 'size' | 'slice'>,
  key: Uint8Array,
  header: Uint8Array,
  attachmentId: string,
): ChunkSource {
  if (typeof Worker === 'undefined' || !(file instanceof File))
    return new InlineChunkSource(file, key, header, attachmentId);
  const { chunkCount } = layoutOf(file.size, header[1]);
  return new WorkerChunkSource(file, key, header, attachmentId, chunkCount);
}
