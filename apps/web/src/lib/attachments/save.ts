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
 *   page → worker  {type:'chunk', bytes}          one piece (copied into the message)
 *   page → worker  {type:'end'}                   the file is complete
 *   page → worker  {type:'error', message}        decryption failed: the download must fail
 *   worker → page  {type:'cancel'}                the member cancelled the download
 * See src/pwa/sw.js for the worker's side.
 */

export const DOWNLOAD_PATH = '/pwa/download/';
const READY_TIMEOUT_MS = 3000;

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
 * download is cancelled. Each piece is copied into its message before the next is read, so the
 * reader may reuse one buffer for all of them (decrypt.ts): the page then leaves no garbage
 * behind however large the file (a piece's buffer transferred instead crosses to the worker's
 * process as a copy anyway, and the page's emptied buffer waits for its collector).
 */
export async function saveThroughServiceWorker(
  open: () => Promise<PlainReader>,
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

  let reader: PlainReader;
  try {
    reader = await open();
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
        if (event.data?.type !== 'pull') return;
        try {
          const { done, value } = await reader.read();
          if (done) {
            port.postMessage({ type: 'end' });
            resolve();
          } else {
            port.postMessage({ type: 'chunk', bytes: value });
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
