import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NostrEvent } from '@llamenos/crypto';
import type { Logger } from '../logging.js';
import { malformedReason } from '../realtime/verify.js';
import { bundledWorker } from '../sea/workers.js';
import { verifyTokenSignature } from './request-signature.js';

/**
 * Events handed to the worker and not yet answered, at most: past it the main thread checks the
 * next ones itself, so that under a burst both cores verify instead of a queue growing behind one.
 */
const MAX_IN_WORKER = 256;

/**
 * Messages the thread holds unanswered at most. One queued behind the one being checked keeps the
 * thread busy; the events arriving meanwhile gather into the next message rather than one message
 * each turn of the loop, so under load there are fewer hand-offs (each wakes the thread), and each
 * answer resolves more requests together, which the signed-request batcher then sends in one
 * statement.
 */
const MAX_MESSAGES_IN_WORKER = 2;

interface Batch {
  events: NostrEvent[];
  resolves: ((valid: boolean) => void)[];
}

/**
 * A worker thread that checks NIP-98 signatures (signature-worker-thread.ts): the check is the
 * largest share of a signed request's CPU, and on the event loop it holds every other request
 * back. Events arriving in one turn of the loop go over in one message, or, while the thread
 * already holds MAX_MESSAGES_IN_WORKER, in one message once it answers; the answers come back in
 * order. Until the thread is ready, past MAX_IN_WORKER, or if it dies, the event is checked on
 * the main thread by the same function, so no request waits on a thread that is not there.
 */
class SignatureWorker {
  private readonly sent: Batch[] = [];
  private next: Batch | null = null;
  private inWorker = 0;
  private usable = false;
  /** Null while the thread is starting: it is not idle then, only not yet there. */
  private lastUsed: number | null = null;
  readonly ready: Promise<boolean>;

  constructor(
    private readonly worker: Worker,
    log: Logger,
  ) {
    // Never what keeps a process alive: it has nothing to do once the server stops.
    worker.unref();
    let settle!: (usable: boolean) => void;
    this.ready = new Promise((resolve) => {
      settle = resolve;
    });
    worker.on('message', (message: Uint8Array | { ready: string }) => {
      if (message instanceof Uint8Array) {
        this.answered(message);
        return;
      }
      this.usable = message.ready === 'wasm';
      this.lastUsed = performance.now();
      if (!this.usable)
        log.warn('signature worker has no WASM engine; signed requests are checked on the main thread');
      settle(this.usable);
    });
    worker.on('error', (error) => {
      log.error({ err: error }, 'signature worker failed; signed requests are checked on the main thread');
      this.abandon();
      settle(false);
    });
    worker.on('exit', () => {
      this.abandon();
      settle(false);
    });
  }

  /** Whether, once up, nothing was handed over for `ms` and nothing is waiting for an answer. */
  idleFor(ms: number): boolean {
    return this.lastUsed !== null && this.inWorker === 0 && performance.now() - this.lastUsed > ms;
  }

  verify(event: NostrEvent): boolean | Promise<boolean> {
    if (!this.usable || this.inWorker >= MAX_IN_WORKER) return verifyTokenSignature(event);
    this.lastUsed = performance.now();
    return new Promise((resolve) => {
      if (!this.next) {
        this.next = { events: [], resolves: [] };
        setImmediate(() => this.send());
      }
      this.next.events.push(event);
      this.next.resolves.push(resolve);
      this.inWorker++;
    });
  }

  async stop(): Promise<void> {
    this.abandon();
    await this.worker.terminate();
  }

  private send(): void {
    const batch = this.next;
    if (!batch) return;
    if (!this.usable) {
      this.next = null;
      this.checkHere(batch);
      return;
    }
    // The thread's next answer sends it (answered).
    if (this.sent.length >= MAX_MESSAGES_IN_WORKER) return;
    this.next = null;
    this.sent.push(batch);
    this.worker.postMessage(batch.events);
  }

  private answered(verdicts: Uint8Array): void {
    const batch = this.sent.shift();
    if (!batch) return;
    this.inWorker -= batch.events.length;
    for (let i = 0; i < batch.resolves.length; i++) batch.resolves[i]!(verdicts[i] === 1);
    this.send();
  }

  /** The thread is gone or going: what it still held is checked here. */
  private abandon(): void {
    this.usable = false;
    for (const batch of this.sent.splice(0)) this.checkHere(batch);
    if (this.next) {
      this.checkHere(this.next);
      this.next = null;
    }
  }

  private checkHere(batch: Batch): void {
    this.inWorker -= batch.events.length;
    for (let i = 0; i < batch.events.length; i++) batch.resolves[i]!(verifyTokenSignature(batch.events[i]!));
  }
}

/** Starting the thread under signed traffic (SignatureChecks.startOnDemand), not for an idle server. */
interface Demand {
  /** Signatures checked on the main thread within one second that start the thread. */
  startAt: number;
  /** A thread unused this long is stopped (its memory, some 20 MB, goes back). */
  idleMs: number;
  windowStart: number;
  inWindow: number;
  idleCheck: ReturnType<typeof setInterval>;
}

/**
 * The thread: in a release, the script its bundle carries (sea/workers.ts); else the build's .js,
 * or when running from sources (tests, tsx) the .ts, imported once tsx's loader is registered in
 * the thread (an --import of it in the worker's execArgv is not applied to the worker's own
 * script on Node 20).
 */
function spawnWorker(): Worker | null {
  const bundled = bundledWorker('signature');
  if (bundled) return new Worker(bundled);
  const js = new URL('./signature-worker-thread.js', import.meta.url);
  if (js.protocol !== 'file:') return null;
  if (existsSync(fileURLToPath(js))) return new Worker(js);
  const ts = new URL('./signature-worker-thread.ts', import.meta.url);
  if (!existsSync(fileURLToPath(ts))) return null;
  const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(ts.href)}); });`;
  return new Worker(code, { eval: true });
}

/**
 * Where a server's NIP-98 signature checks run: on the main thread, or on a worker thread once
 * started (at once with start(), or by signed traffic after startOnDemand()). One per server
 * context (ServerContext.signatures, built by createContext), so what runs is a field a reader
 * of the context sees, and close() stops it; events the thread still held are then checked on
 * the main thread.
 */
export class SignatureChecks {
  private running: SignatureWorker | null = null;
  private demand: Demand | null = null;

  constructor(private readonly log: Logger) {}

  /**
   * Starts the worker thread now. Resolves to whether signatures are now checked off the main
   * thread; a thread that cannot start (a single-file build without the script, no WASM) leaves
   * the main-thread check in place.
   */
  async start(): Promise<boolean> {
    if (this.running) return this.running.ready;
    let worker: Worker | null = null;
    try {
      worker = spawnWorker();
    } catch (error) {
      this.log.warn({ err: error }, 'signature worker could not start');
    }
    if (!worker) {
      this.log.warn('signature worker unavailable; signed requests are checked on the main thread');
      this.disableDemand();
      return false;
    }
    const started = new SignatureWorker(worker, this.log);
    this.running = started;
    const usable = await started.ready;
    // A thread that could not check (no WASM, failed) is not started again and again under load.
    if (!usable) this.disableDemand();
    return usable;
  }

  /**
   * Lets signed traffic start the worker: once `startAt` signatures are checked on the main
   * thread within a second, and stops it after `idleMs` without use. For a serving process
   * (server.ts).
   */
  startOnDemand(options: { startAt?: number; idleMs?: number } = {}): void {
    if (this.demand) return;
    const idleMs = options.idleMs ?? 60_000;
    const idleCheck = setInterval(
      () => {
        if (this.running?.idleFor(idleMs)) void this.stopRunning();
      },
      Math.min(idleMs, 10_000),
    );
    idleCheck.unref();
    this.demand = { startAt: options.startAt ?? 50, idleMs, windowStart: 0, inWindow: 0, idleCheck };
  }

  /** Stops the worker and what would start it again; events it still held are checked on the main thread. */
  async stop(): Promise<void> {
    this.disableDemand();
    await this.stopRunning();
  }

  /** Whether a worker thread is running now (started, on demand or not). */
  get threadRunning(): boolean {
    return this.running !== null;
  }

  /**
   * A NIP-98 event's id and signature check (request-signature.ts), on the worker when one runs:
   * a promise then, a plain answer otherwise.
   */
  verify(event: NostrEvent): boolean | Promise<boolean> {
    // The thread's engine reads hex leniently: the spellings are held to request-signature.ts's here.
    if (malformedReason(event) !== null) return false;
    if (this.running) return this.running.verify(event);
    if (this.demand) this.noteDemand(this.demand);
    return verifyTokenSignature(event);
  }

  private disableDemand(): void {
    if (this.demand) clearInterval(this.demand.idleCheck);
    this.demand = null;
  }

  private async stopRunning(): Promise<void> {
    const worker = this.running;
    this.running = null;
    await worker?.stop();
  }

  /** One signature checked on the main thread: counts towards starting the worker. */
  private noteDemand(d: Demand): void {
    const now = performance.now();
    if (now - d.windowStart > 1000) {
      d.windowStart = now;
      d.inWindow = 0;
    }
    if (++d.inWindow === d.startAt) void this.start();
  }
}
