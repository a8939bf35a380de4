import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundledWorker } from '../sea/workers.js';
import type { EphemeralEngine } from './ephemeral-keys.js';
import type { SealedMessage } from './seal.js';

/**
 * Sealing off the event loop (issue 10: a contact's first text). About two thirds of the CPU an
 * arriving text costs is its six wraps' ECDH (seal.ts), all of it in the thread that also parses
 * webhooks, runs the placements and answers the providers: in a storm of first contacts (200/s,
 * 400 new contacts in 2 s) one core could not keep up, and every text waited behind the sealing
 * of those before it. The pool seals in worker threads, each with its own per-reader tables
 * (made when the server's own are: reader-tables.ts), so the wraps of one text overlap the
 * placements, statements and answers of others, on another core.
 *
 * The plaintext: the body is handed over as UTF-8 bytes MOVED into the worker (this thread keeps
 * no copy of them) and zeroed there once sealed; only the envelope comes back. The webhook still
 * answers the provider only after the ciphertext is committed (ingest.ts), so nothing can be lost
 * to a worker: if one fails, its texts are sealed in this thread instead, as without a pool.
 *
 * Not started where the worker's script cannot be found (neither beside this module nor carried
 * by a release bundle, sea/workers.ts): texts are then sealed in this thread.
 */

/**
 * A request to a sealing thread: seal one body, make the tables of these readers, or seal
 * `texts` made-up bodies for throwaway readers and drop them (warm-up.ts: a started server's
 * first texts are not sealed by code V8 has not optimised yet).
 */
export type SealRequest =
  | { id: number; kind: 'seal'; messageId: string; body: ArrayBuffer; readers: readonly string[] }
  | { id: number; kind: 'prepare'; readers: readonly string[] }
  | { id: number; kind: 'warm'; texts: number };

/**
 * Its answer: the envelope (null for a prepare), or only the kind of error. A thread's first
 * message (id 0) says it is ready, and which engine makes its ephemeral keys (ephemeral-keys.ts).
 */
export type SealReply =
  | { id: number; ok: true; sealed: SealedMessage | null; engine?: EphemeralEngine }
  | { id: number; ok: false; error: string };

/** The table window of the workers' agreements: the server thread's (ingest.ts), 8 bits. */
export const WORKER_TABLE_WINDOW = 8;

/** Sealing threads by default: one core is left to the server's own thread (and the database). */
export function defaultSealWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export interface SealPool {
  /** Threads that are running and loaded (0 for a moment after the start: seal() then refuses). */
  readonly size: number;
  /** Resolves when every thread is loaded (or has failed). */
  readonly ready: Promise<void>;
  /** The engines making the threads' ephemeral keys, one per thread loaded (the benchmark reports them). */
  readonly engines: readonly EphemeralEngine[];
  /** The body sealed for `readers` in a worker; rejects if no worker could (the caller seals itself). */
  seal(messageId: string, body: string, readers: readonly string[]): Promise<SealedMessage>;
  /** Makes these readers' tables in every worker (resolves when all have). */
  prepare(readers: readonly string[]): Promise<void>;
  /**
   * Has every worker seal `texts` throwaway texts for throwaway readers, nothing kept
   * (warm-up.ts); resolves with how many each sealed (0 if none could).
   */
  warm(texts: number): Promise<number>;
  /** Stops the workers; requests still waiting are rejected. */
  close(): Promise<void>;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, { resolve(reply: SealReply): void; reject(error: Error): void }>;
  /** Loaded (its first message): until then its share is sealed in the server's thread. */
  ready: boolean;
  alive: boolean;
}

const encoder = new TextEncoder();

/**
 * Where the worker's script is: in a release, the one its bundle carries (sea/workers.ts); else
 * beside this module (.ts when the server runs from source).
 */
function workerScript(): URL | null {
  const bundled = bundledWorker('seal');
  if (bundled) return bundled;
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = new URL(`./seal-worker${extension}`, import.meta.url);
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return null;
  return script;
}

function spawn(script: URL, readerTables: number): Worker {
  const options = { workerData: { readerTables } };
  if (!script.pathname.endsWith('.ts')) return new Worker(script, options);
  // From source (tests, the benchmark): the worker loads TypeScript the way this process does.
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}

/**
 * Starts `workers` sealing threads keeping up to `readerTables` readers' tables each; null when
 * the worker's script is not there. `onFailure` hears of a thread that stopped (by error name only).
 */
export function startSealPool(
  workers: number,
  readerTables: number,
  onFailure: (error: unknown) => void,
): SealPool | null {
  const script = workerScript();
  if (!script || workers < 1) return null;
  let nextId = 1;
  const threads: Thread[] = [];
  const engines: EphemeralEngine[] = [];
  const fail = (thread: Thread, error: Error) => {
    if (!thread.alive) return;
    thread.alive = false;
    for (const waiter of thread.waiting.values()) waiter.reject(error);
    thread.waiting.clear();
  };
  const loads: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    const thread: Thread = {
      worker: spawn(script, readerTables),
      waiting: new Map(),
      ready: false,
      alive: true,
    };
    // A pool left open must not keep the process alive (a test, a bench that forgot to close it).
    thread.worker.unref();
    loads.push(
      new Promise<void>((resolve) => {
        thread.worker.once('message', () => resolve());
        thread.worker.once('exit', () => resolve());
      }),
    );
    thread.worker.on('message', (reply: SealReply) => {
      if (reply.id === 0) {
        thread.ready = true;
        if (reply.ok && reply.engine) engines.push(reply.engine);
        return;
      }
      const waiter = thread.waiting.get(reply.id);
      thread.waiting.delete(reply.id);
      waiter?.resolve(reply);
    });
    thread.worker.on('error', (error) => {
      onFailure(error);
      fail(thread, new Error('a sealing thread failed'));
    });
    thread.worker.on('exit', () => fail(thread, new Error('a sealing thread stopped')));
    threads.push(thread);
  }
  const ask = (thread: Thread, request: SealRequest, transfer: ArrayBuffer[] = []) =>
    new Promise<SealReply>((resolve, reject) => {
      thread.waiting.set(request.id, { resolve, reject });
      thread.worker.postMessage(request, transfer);
    });
  const leastBusy = (): Thread | null => {
    let best: Thread | null = null;
    for (const thread of threads)
      if (thread.alive && thread.ready && (!best || thread.waiting.size < best.waiting.size)) best = thread;
    return best;
  };
  return {
    get size() {
      return threads.filter((t) => t.alive && t.ready).length;
    },
    ready: Promise.all(loads).then(() => undefined),
    engines,
    async seal(messageId, body, readers) {
      const thread = leastBusy();
      if (!thread) throw new Error('no sealing thread is running');
      const bytes = encoder.encode(body);
      const reply = await ask(
        thread,
        { id: nextId++, kind: 'seal', messageId, body: bytes.buffer, readers },
        [bytes.buffer],
      );
      if (!reply.ok || !reply.sealed)
        throw new Error(`the sealing thread refused (${reply.ok ? 'empty' : reply.error})`);
      return reply.sealed;
    },
    async prepare(readers) {
      // Asked of a thread still loading, it answers once loaded (its port holds the request).
      await Promise.all(
        threads
          .filter((t) => t.alive)
          .map((thread) => ask(thread, { id: nextId++, kind: 'prepare', readers }).catch(() => undefined)),
      );
    },
    async warm(texts) {
      const sealed = await Promise.all(
        threads
          .filter((t) => t.alive)
          .map((thread) =>
            ask(thread, { id: nextId++, kind: 'warm', texts }).then(
              (reply) => (reply.ok ? texts : 0),
              () => 0,
            ),
          ),
      );
      return sealed.length ? Math.min(...sealed) : 0;
    },
    async close() {
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
    },
  };
}
