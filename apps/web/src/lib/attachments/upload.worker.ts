/// <reference lib="webworker" />
import { ChunkSlots, slotOf } from './chunk-slots.js';
import { FileSealer, type SealedChunk } from './sealer.js';
import type { HeldChunk, PutAnswer, UploadWorkerCall, UploadWorkerReply } from './worker-protocol.js';

/**
 * Seals one attachment off the page's thread, chunk by chunk as the file is read, so the page
 * stays responsive and the upload pipelines: chunk i is sent while this seals chunk i+1. Seal
 * calls are handled strictly one after the other. A sealed chunk goes to a file in the
 * origin-private file system where the browser offers one (chunk-slots.ts: memory stays flat
 * however fast the upload) and this worker sends it itself when the page asks (`put`, with the
 * request the page signed): the page's thread then makes no request object, body or answer
 * per chunk, garbage its collector, which nothing else there pushes to run, left for tens of
 * megabytes (the worker's collector runs often, pushed by its file reads). Without such a file
 * the chunk goes to the page as a copy of its bytes, transferred. The file is read and sealed
 * in one reused buffer (sealer.ts), so a chunk allocates no new buffer here.
 */

let sealer: FileSealer | null = null;
let slots: ChunkSlots | null = null;
/** Chunks written to their slot files, by slot: what `put` sends (a slot is rewritten only after its chunk was acknowledged). */
const held = new Map<number, { index: number; file: File }>();
/** The `put`s under way, by call id, so the page can abort one. */
const puts = new Map<number, AbortController>();

async function handle(call: UploadWorkerCall): Promise<SealedChunk | HeldChunk | undefined> {
  switch (call.op) {
    case 'open':
      sealer?.close();
      await slots?.remove();
      held.clear();
      sealer = new FileSealer(call.file, call.key, call.header, call.attachmentId);
      slots = call.chunkFiles ? await ChunkSlots.open(call.attachmentId) : null;
      return undefined;
    case 'seal': {
      if (!sealer) throw new Error('no file is open in this upload worker');
      // Sealed in the sealer's one buffer: written out to a slot file, or copied to be sent as
      // bytes, before the next chunk is sealed over it.
      const chunk = await sealer.sealInPlace(call.index);
      const { sealed, ...rest } = chunk;
      held.delete(slotOf(call.index));
      if (slots) {
        try {
          held.set(slotOf(call.index), { index: call.index, file: await slots.put(chunk.index, sealed) });
          return { ...rest, held: true };
        } catch {
          // A full disk or a lost file system: this chunk goes as bytes.
        }
      }
      return { ...rest, sealed: sealed.slice() };
    }
    case 'close':
      sealer?.close();
      sealer = null;
      held.clear();
      for (const put of puts.values()) put.abort();
      await slots?.remove();
      slots = null;
      return undefined;
    default:
      return undefined;
  }
}

/** Sends held chunk `index` with the page's signed request; a network failure is a refusal of the call. */
async function put(call: Extract<UploadWorkerCall, { op: 'put' }>): Promise<PutAnswer> {
  const chunk = held.get(slotOf(call.index));
  if (chunk?.index !== call.index) throw new Error(`chunk ${call.index} is no longer in the upload worker`);
  const abort = new AbortController();
  puts.set(call.id, abort);
  try {
    const response = await fetch(call.path, {
      method: call.method,
      headers: call.headers,
      body: chunk.file,
      signal: abort.signal,
    });
    return {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
      body: await response.text(),
    };
  } finally {
    puts.delete(call.id);
  }
}

const post = (reply: UploadWorkerReply, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(reply, transfer);
const failure = (id: number, error: unknown): UploadWorkerReply => ({
  id,
  ok: false,
  message: error instanceof Error ? error.message : String(error),
});

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<UploadWorkerCall>) => {
  const call = event.data;
  // A chunk is sent while the next is sealed: puts and aborts do not wait in the queue.
  if (call.op === 'put') {
    put(call).then(
      (answer) => post({ id: call.id, ok: true, answer }),
      (error: unknown) => post(failure(call.id, error)),
    );
    return;
  }
  if (call.op === 'abort-put') {
    puts.get(call.put)?.abort();
    return;
  }
  queue = queue.then(async () => {
    try {
      const chunk = await handle(call);
      const bytes = chunk && 'sealed' in chunk && chunk.sealed instanceof Uint8Array ? chunk.sealed : null;
      post(chunk ? { id: call.id, ok: true, chunk } : { id: call.id, ok: true }, bytes ? [bytes.buffer] : []);
    } catch (error) {
      post(failure(call.id, error));
    }
  });
};
