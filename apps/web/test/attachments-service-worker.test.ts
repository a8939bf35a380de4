/**
 * The service worker's download path (src/pwa/sw.js, lib/attachments/save.ts): a page registers
 * a download with a MessagePort, the frame's request for /pwa/download/<id> is answered with a
 * stream pulled from the page, as an attachment with a safe file name and the exact length; a
 * failure the page reports fails the response (the browser fails the download, never saving
 * part of a file); each download is served once, and only to a page of the app's own origin.
 */
import { readFileSync } from 'node:fs';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const ORIGIN = 'https://h.example';
const ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';

type Handler = (event: unknown) => void;

/** Runs sw.js with a minimal ServiceWorkerGlobalScope; returns its event handlers. */
function loadWorker(): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  const self = {
    location: { origin: ORIGIN },
    addEventListener: (type: string, handler: Handler) => {
      handlers[type] = handler;
    },
  };
  const source = readFileSync(new URL('../src/pwa/sw.js', import.meta.url), 'utf8');
  new Function('self', 'PRECACHE', source)(self, { version: 'test', files: [] });
  return handlers;
}

function register(handlers: Record<string, Handler>, port: MessagePort, over: Record<string, unknown> = {}) {
  handlers.message!({
    origin: ORIGIN,
    data: { type: 'download', id: ID, name: 'informe "final".pdf', size: 6, ...over },
    ports: [port],
    waitUntil: () => undefined,
  });
}

async function fetchDownload(handlers: Record<string, Handler>, id = ID): Promise<Response> {
  let answer: Promise<Response> | Response | undefined;
  handlers.fetch!({
    request: { method: 'GET', url: `${ORIGIN}/pwa/download/${id}`, mode: 'navigate' },
    respondWith: (r: Promise<Response> | Response) => {
      answer = r;
    },
  });
  if (!answer) throw new Error('the worker did not answer');
  return answer;
}

/** The page's side: answers pulls with `pieces`, then `end` (or an error message). */
function page(port: MessagePort, pieces: Uint8Array[], finish: { error?: string } = {}) {
  const seen: string[] = [];
  const ready = new Promise<void>((resolve) => {
    port.on('message', (message: { type: string }) => {
      seen.push(message.type);
      if (message.type === 'ready') resolve();
      if (message.type !== 'pull') return;
      const next = pieces.shift();
      if (next) port.postMessage({ type: 'chunk', bytes: next });
      else if (finish.error) port.postMessage({ type: 'error', message: finish.error });
      else port.postMessage({ type: 'end' });
    });
  });
  return { ready, seen };
}

const closeAll = (...ports: MessagePort[]) => {
  for (const p of ports) p.close();
};

describe('service worker downloads', () => {
  it('streams the page’s pieces as an attachment with a safe name and the exact length', async () => {
    const handlers = loadWorker();
    const { port1, port2 } = new MessageChannel();
    const side = page(port1, [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])]);
    register(handlers, port2 as unknown as MessagePort);
    await side.ready;
    const response = await fetchDownload(handlers);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-length')).toBe('6');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="informe _final_.pdf"; filename*=UTF-8''informe%20_final_.pdf`,
    );
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6]));
    // Served once: the same address again is gone.
    expect((await fetchDownload(handlers)).status).toBe(404);
    closeAll(port1);
  });

  it('hands each piece’s buffer back to the page once the browser has taken two newer pieces', async () => {
    const handlers = loadWorker();
    const { port1, port2 } = new MessageChannel();
    const spares: number[][] = [];
    port1.on('message', (message: { type: string; buffer?: ArrayBuffer }) => {
      if (message.type === 'spare' && message.buffer) spares.push([...new Uint8Array(message.buffer)]);
    });
    const pieces = [1, 2, 3, 4, 5].map((n) => new Uint8Array([n, n]));
    const side = page(port1, pieces);
    register(handlers, port2 as unknown as MessagePort, { size: 10 });
    await side.ready;
    const response = await fetchDownload(handlers);
    // The browser's side: each piece written out (copied) as soon as it is read.
    const reader = response.body!.getReader();
    const written: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      written.push(...value);
    }
    expect(written).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Transferred back in order, never one of the two newest (the browser may still be writing them).
    expect(spares).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    closeAll(port1);
  });

  it('a decryption failure on the page fails the response', async () => {
    const handlers = loadWorker();
    const { port1, port2 } = new MessageChannel();
    const side = page(port1, [new Uint8Array([1, 2, 3])], { error: 'chunk 1 did not authenticate' });
    register(handlers, port2 as unknown as MessagePort);
    await side.ready;
    const response = await fetchDownload(handlers);
    await expect(response.arrayBuffer()).rejects.toThrow(/authenticate/);
    closeAll(port1);
  });

  it('answers 404 for an unknown download, and ignores registrations from elsewhere or malformed', async () => {
    const handlers = loadWorker();
    expect((await fetchDownload(handlers)).status).toBe(404);
    const { port1, port2 } = new MessageChannel();
    const side = page(port1, []);
    handlers.message!({
      origin: 'https://evil.example',
      data: { type: 'download', id: ID, name: 'x', size: 1 },
      ports: [port2],
      waitUntil: () => undefined,
    });
    register(handlers, port2 as unknown as MessagePort, { id: 'not-a-uuid' });
    register(handlers, port2 as unknown as MessagePort, { size: -1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(side.seen).toEqual([]);
    expect((await fetchDownload(handlers)).status).toBe(404);
    closeAll(port1, port2 as unknown as MessagePort);
  });
});
