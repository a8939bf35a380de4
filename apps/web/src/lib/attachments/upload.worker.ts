/// <reference lib="webworker" />
import { ChunkSlots } from './chunk-slots.js';
import { FileSealer, type SealedChunk } from './sealer.js';
import type { UploadWorkerCall, UploadWorkerReply } from './worker-protocol.js';

/**
 * Seals one attachment off the page's thread, chunk by chunk as the file is read, so the page
 * stays responsive and the upload pipelines: the page sends chunk i while this seals chunk i+1.
 * Calls are handled strictly one after the other. A sealed chunk goes to the page as a File in
 * the origin-private file system where the browser offers one (chunk-slots.ts: memory stays flat
 * however fast the upload), else as its bytes, transferred.
 */

let sealer: FileSealer | null = null;
let slots: ChunkSlots | null = null;

async function handle(call: UploadWorkerCall): Promise<SealedChunk | undefined> {
  switch (call.op) {
    case 'open':
      sealer?.close();
      await slots?.remove();
      sealer = new FileSealer(call.file, call.key, call.header, call.attachmentId);
      slots = call.chunkFiles ? await ChunkSlots.open(call.attachmentId) : null;
      return undefined;
    case 'seal': {
      if (!sealer) throw new Error('no file is open in this upload worker');
      const chunk = await sealer.seal(call.index);
      if (!slots || !(chunk.sealed instanceof Uint8Array)) return chunk;
      try {
        // The bytes are left to the collector, not detached: Chromium frees a detached buffer
        // that one of its APIs has seen (File reads, WebCrypto, file writes) only at a later
        // collection, which it then no longer sees a reason to run (measured: 566 MB).
        return { ...chunk, sealed: await slots.put(chunk.index, chunk.sealed) };
      } catch {
        // A full disk or a lost file system: this chunk goes as bytes.
        return chunk;
      }
    }
    case 'close':
      sealer?.close();
      sealer = null;
      await slots?.remove();
      slots = null;
      return undefined;
  }
}

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<UploadWorkerCall>) => {
  const call = event.data;
  queue = queue.then(async () => {
    let reply: UploadWorkerReply;
    const transfer: Transferable[] = [];
    try {
      const chunk = await handle(call);
      reply = chunk ? { id: call.id, ok: true, chunk } : { id: call.id, ok: true };
      if (chunk?.sealed instanceof Uint8Array) transfer.push(chunk.sealed.buffer);
    } catch (error) {
      reply = { id: call.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    (self as unknown as Worker).postMessage(reply, transfer);
  });
};
