/**
 * The page's side of a download through the service worker (lib/attachments/save.ts): the page
 * reads (decrypts) a piece only when the worker pulls one, so at most one piece is ever on its way
 * whatever the file's size; each piece's buffer is transferred to the worker, not copied (a copy
 * is a second buffer per piece awaiting the collectors, in the page's message and the worker's
 * event: measured, `npm run bench -- reports`); a failure to decrypt reaches the worker as an
 * error, and the promise rejects.
 */
import type { ReportAttachmentMeta } from '@llamenos/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PlainReader } from '../src/lib/attachments/decrypt.js';
import { saveThroughServiceWorker } from '../src/lib/attachments/save.js';

const META = { id: 'a', name: 'video.mp4', size: 12, type: 'video/mp4' } as unknown as ReportAttachmentMeta;

interface WorkerLog {
  /** What the worker saw, in order: "pull", "chunk <first byte> (<length>)", "end", "error". */
  events: string[];
  /** The pieces as they reached the worker. */
  received: Uint8Array[];
  /** Whether the worker hands buffers back (sw.js does; an older one does not). */
  handBack?: boolean;
  /** How long the worker takes to answer "ready" (a stopped worker starting on a busy machine). */
  readyAfterMs?: number;
}

/**
 * A service worker that answers the registration with "ready" and, once the frame opens the
 * download, pulls a piece each time the previous one arrived, after a pause (a slow disk).
 */
function fakeWorker(log: WorkerLog) {
  let port: MessagePort | null = null;
  const pull = () => {
    log.events.push('pull');
    port!.postMessage({ type: 'pull' });
  };
  const worker = {
    postMessage(message: { type: string }, ports: MessagePort[]) {
      if (message.type !== 'download') return;
      port = ports[0]!;
      port.onmessage = (event: MessageEvent<{ type: string; bytes?: Uint8Array; message?: string }>) => {
        const data = event.data;
        if (data.type === 'chunk' && data.bytes) {
          log.events.push(`chunk ${data.bytes[0]} (${data.bytes.length})`);
          log.received.push(data.bytes);
          // As sw.js does: the buffer of the piece before the newest two goes back to the page.
          const back = log.received.length >= 3 ? log.received[log.received.length - 3]!.buffer : null;
          if (log.handBack && back && back.byteLength > 0)
            port!.postMessage({ type: 'spare', buffer: back }, [back]);
          setTimeout(pull, 5);
        } else log.events.push(data.type);
      };
      const ready = () => port!.postMessage({ type: 'ready' });
      if (log.readyAfterMs) setTimeout(ready, log.readyAfterMs);
      else ready();
    },
  };
  return { worker, startDownload: () => pull() };
}

/** A reader of `count` pieces of `size` bytes (piece i filled with i + 1), each in a buffer of its own. */
function pieces(count: number, size: number, failAt = -1) {
  const handedOut: Uint8Array[] = [];
  let reads = 0;
  let reusedBuffers = 0;
  let recycled: (length: number) => ArrayBuffer | undefined = () => undefined;
  const reader: PlainReader = {
    async read() {
      const i = reads++;
      if (i === failAt) throw new Error('chunk 1 did not authenticate');
      if (i >= count) return { done: true, value: undefined };
      // A view into a larger buffer, as the decrypting reader answers (the tag after the file's bytes).
      const offered = recycled(size + 16);
      if (offered) reusedBuffers++;
      const piece = new Uint8Array(offered ?? new ArrayBuffer(size + 16), 0, size).fill(i + 1);
      handedOut.push(piece);
      return { done: false, value: piece };
    },
    async cancel() {},
  };
  const open = async (offer: (length: number) => ArrayBuffer | undefined) => {
    recycled = offer;
    return reader;
  };
  return { open, handedOut, reads: () => reads, reusedBuffers: () => reusedBuffers };
}

function install(log: WorkerLog) {
  const { worker, startDownload } = fakeWorker(log);
  vi.stubGlobal('navigator', { serviceWorker: { getRegistration: async () => ({ active: worker }) } });
  const frame = { hidden: false, title: '', src: '', remove() {} };
  vi.stubGlobal('document', {
    createElement: () => frame,
    // The browser fetches the frame's address: the worker starts pulling.
    body: { append: () => startDownload() },
  });
}

/** The page's last message crosses the port after its promise settled: waits for it. */
async function lastMessage(log: WorkerLog, type: 'end' | 'error'): Promise<void> {
  for (let i = 0; i < 100 && log.events.at(-1) !== type; i++) await new Promise((r) => setTimeout(r, 5));
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('saving a download through the service worker', () => {
  it('waits for a worker slow to answer (starting on a busy machine) instead of buffering the file whole', async () => {
    const log: WorkerLog = { events: [], received: [], readyAfterMs: 3500 };
    install(log);
    const source = pieces(2, 3);
    expect(await saveThroughServiceWorker(source.open, META)).toBe(true);
    await lastMessage(log, 'end');
    expect(log.received.length).toBe(2);
  });

  it('reads a piece only when the worker pulls one, and transfers each piece’s buffer', async () => {
    const log: WorkerLog = { events: [], received: [] };
    install(log);
    const source = pieces(4, 3);
    expect(await saveThroughServiceWorker(source.open, META)).toBe(true);
    await lastMessage(log, 'end');
    expect(log.events).toEqual([
      'pull',
      'chunk 1 (3)',
      'pull',
      'chunk 2 (3)',
      'pull',
      'chunk 3 (3)',
      'pull',
      'chunk 4 (3)',
      'pull',
      'end',
    ]);
    // Never read ahead of the worker: four pieces, and the read that answered done.
    expect(source.reads()).toBe(5);
    // Transferred: the page's buffers are emptied (detached), the worker has the bytes.
    for (const piece of source.handedOut) expect(piece.buffer.byteLength).toBe(0);
    expect(log.received.map((p) => [...p])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
      [3, 3, 3],
      [4, 4, 4],
    ]);
  });

  it('reads later pieces into the buffers the worker hands back', async () => {
    const log: WorkerLog = { events: [], received: [], handBack: true };
    install(log);
    const source = pieces(6, 3);
    expect(await saveThroughServiceWorker(source.open, META)).toBe(true);
    await lastMessage(log, 'end');
    expect(log.events.filter((e) => e.startsWith('chunk'))).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => `chunk ${n} (3)`),
    );
    // Pieces 1–3 came back after pieces 3–5 arrived: pieces 4–6 were read into them.
    expect(source.reusedBuffers()).toBe(3);
  });

  it('a piece that fails to decrypt fails the download, and nothing more is read', async () => {
    const log: WorkerLog = { events: [], received: [] };
    install(log);
    const source = pieces(4, 3, 1);
    await expect(saveThroughServiceWorker(source.open, META)).rejects.toThrow(/did not authenticate/);
    await lastMessage(log, 'error');
    expect(log.events).toEqual(['pull', 'chunk 1 (3)', 'pull', 'error']);
    expect(source.reads()).toBe(2);
  });
});
