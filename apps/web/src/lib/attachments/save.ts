import type { ReportAttachmentMeta } from '@llamenos/protocol';
import type { PlainReader } from './decrypt.js';

/**
 * Saving a decrypted stream as a file without holding it whole: the page hands the service
 * worker a MessagePort and the file's name and size; the worker answers a same-origin URL
 * (/pwa/download/<id>) with a streamed Response marked as an attachment; a hidden iframe
 * navigates there and the browser's own download takes the bytes, pulled chunk by chunk
 * through the port. Messages (page ⇄ worker, on the port):
 *   worker → page  {type:'ready'}                 the id is registered; navigate now
 *   worker → page  {type:'pull'}                  send the next piece
 *   page → worker  {type:'chunk', bytes}          one piece (its buffer transferred)
 *   page → worker  {type:'end'}                   the file is complete
 *   page → worker  {type:'error', message}        decryption failed: the download must fail
 *   worker → page  {type:'cancel'}                the member cancelled the download
 *   worker → page  {type:'spare', buffer}         a piece's buffer the browser is done with,
 *                                                 transferred back: the page reads a later piece into it
 * See src/pwa/sw.js for the worker's side.
 */

export const DOWNLOAD_PATH = '/pwa/download/';
/**
 * How long the service worker may take to answer "ready". A stopped worker that must start first
 * answers late on a busy device, and the fallback then holds the WHOLE file in a Blob, which
 * Chromium keeps in its browser process (`npm run bench -- reports` at load ~25 on 2 cores: one
 * 1 GiB download of three grew the browser process by 1,089 MB, a whole-file Blob's worth, the
 * others ~70 MB in all), so the wait is generous; only a worker of an older version, which never
 * answers, costs that wait before the fallback.
 */
const READY_TIMEOUT_MS = 20_000;
/** Buffers handed back by the worker kept for the next pieces (the worker hands back one per piece). */
const MAX_SPARES = 2;

async function activeWorker(): Promise<ServiceWorker | null> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return null;
  try {
    const registration = await navigator.serviceWorker.getRegistration('/');
    return registration?.active ?? null;
  } catch {
    return null;
  }
}

/**
 * Streams the file `open` gives into a file named `meta.name` through the service worker.
 * Returns false, having opened nothing, when no service worker is active (the caller falls
 * back to a Blob); resolves true once the file is complete; rejects if decryption fails or the
 * download is cancelled. The next piece is read (decrypted) only when the worker pulls, so one
 * piece at most is on its way whatever the file's size: the back-pressure runs from the
 * browser's download, through the worker's stream, to the network. Each piece's buffer is
 * transferred, not copied: its bytes leave the page with the message, and the worker's event
 * holds no second copy (a copy left two buffers per piece awaiting the collectors, the
 * message's in the page and the event's in the worker: measured, `npm run bench -- reports`,
 * 199 → 106 MB of growth for a 1 GiB download). The reader must therefore hand out each piece
 * in a buffer of its own (decrypt.ts without `reuse`). And the buffers go round: the worker
 * transfers each one back once the browser has written its bytes out, and `open`'s reader reads
 * later pieces into them (`recycled`), so after the first few pieces neither side allocates a
 * buffer per piece, and neither leaves one for its collector (106 → 56 MB for 1 GiB; what is
 * left is the page's reads of the fetch body, about the same for 256 MB).
 */
export async function saveThroughServiceWorker(
  open: (recycled: (length: number) => ArrayBuffer | undefined) => Promise<PlainReader>,
  meta: ReportAttachmentMeta,
): Promise<boolean> {
  const worker = await activeWorker();
  if (!worker) return false;
  const id = crypto.randomUUID();
  const channel = new MessageChannel();
  const port = channel.port1;
  const ready = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    port.onmessage = (event: MessageEvent<{ type?: string }>) => {
      if (event.data?.type !== 'ready') return;
      clearTimeout(timer);
      resolve(true);
    };
  });
  worker.postMessage({ type: 'download', id, name: meta.name, size: meta.size }, [channel.port2]);
  // A worker of an older version does not know the message: fall back before reading anything.
  if (!(await ready)) {
    port.close();
    return false;
  }

  // Buffers the worker is done with, handed back: the next pieces are read into them.
  const spares: ArrayBuffer[] = [];
  const recycled = (length: number) => {
    const at = spares.findIndex((buffer) => buffer.byteLength === length);
    return at < 0 ? undefined : spares.splice(at, 1)[0];
  };
  let reader: PlainReader;
  try {
    reader = await open(recycled);
  } catch (error) {
    port.close();
    throw error;
  }
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.title = meta.name;
  try {
    await new Promise<void>((resolve, reject) => {
      port.onmessage = async (event: MessageEvent<{ type?: string }>) => {
        if (event.data?.type === 'cancel') {
          reader.cancel().catch(() => undefined);
          reject(new Error('the download was cancelled'));
          return;
        }
        const spare = (event.data as { buffer?: unknown } | null)?.buffer;
        if (event.data?.type === 'spare' && spare instanceof ArrayBuffer && spares.length < MAX_SPARES)
          spares.push(spare);
        if (event.data?.type !== 'pull') return;
        try {
          const { done, value } = await reader.read();
          if (done) {
            port.postMessage({ type: 'end' });
            resolve();
          } else {
            port.postMessage({ type: 'chunk', bytes: value }, [value.buffer]);
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          port.postMessage({ type: 'error', message });
          reject(error instanceof Error ? error : new Error(message));
        }
      };
      frame.src = `${DOWNLOAD_PATH}${id}`;
      document.body.append(frame);
    });
  } finally {
    // The browser has the whole response (or has failed it) by now; the frame may go.
    setTimeout(() => {
      frame.remove();
      port.close();
    }, 5000);
  }
  return true;
}
