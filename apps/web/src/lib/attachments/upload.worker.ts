/// <reference lib="webworker" />
import { FileSealer, type SealedChunk } from './sealer.js';
import type { UploadWorkerCall, UploadWorkerReply } from './worker-protocol.js';

/**
 * Seals one attachment off the page's thread, chunk by chunk as the file is read, so the page
 * stays responsive and the upload pipelines: the page sends chunk i while this seals chunk i+1.
 * Calls are handled strictly one after the other.
 */

let sealer: FileSealer | null = null;

async function handle(call: UploadWorkerCall): Promise<SealedChunk | undefined> {
  switch (call.op) {
    case 'open':
      sealer?.close();
      sealer = new FileSealer(call.file, call.key, call.header, call.attachmentId);
      return undefined;
    case 'seal':
      if (!sealer) throw new Error('no file is open in this upload worker');
      return sealer.seal(call.index);
    case 'close':
      sealer?.close();
      sealer = null;
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
      if (chunk) transfer.push(chunk.sealed.buffer);
    } catch (error) {
      reply = { id: call.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    (self as unknown as Worker).postMessage(reply, transfer);
  });
};
