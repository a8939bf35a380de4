/// <reference lib="webworker" />
import { ChunkSlots } from './chunk-slots.js';
import { FileSealer, type SealedChunk } from './sealer.js';
import type { UploadWorkerCall, UploadWorkerReply } from './worker-protocol.js';

/**
 * Seals one attachment off the page's thread, chunk by chunk as the file is read, so the page
 * stays responsive and the upload pipelines: the page sends chunk i while this seals chunk i+1.
 * Calls are handled strictly one after the other. A sealed chunk goes to the page as a File in
 * the origin-private file system where the browser offers one (chunk-slots.ts: memory stays flat
 * however fast the upload), else as a copy of its bytes, transferred. The file is read and sealed
 * in one reused buffer (sealer.ts), so a chunk allocates no new buffer here.
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
      // Sealed in the sealer's one buffer: written out to a slot file, or copied to be sent as
      // bytes, before the next chunk is sealed over it.
      const chunk = await sealer.sealInPlace(call.index);
      if (slots) {
        try {
          return { ...chunk, sealed: await slots.put(chunk.index, chunk.sealed) };
        } catch {
          // A full disk or a lost file system: this chunk goes as bytes.
        }
      }
      return { ...chunk, sealed: chunk.sealed.slice() };
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
