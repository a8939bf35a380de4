import { getPublicKey } from '@llamenos/crypto';
import { onVaultChange, unlockedSecretKey } from './vault.js';

/**
 * The workers that open sealed records (notes, conversation messages) with the unlocked key:
 * one per core, at most four, since opening a record is one ECDH and a re-wrap three scalar
 * multiplications. Every worker holds a copy of the key; the workers end with the unlocked
 * session of that key (lock, or another key unlocked), and the opened texts they cache with them.
 * Each kind of record speaks its own protocol (`Call` in, `Reply` out); this file knows only
 * the envelope: a numbered request, and an answer that is `ok` or an error message.
 */

/** The vault is locked: nothing encrypted can be opened until the PIN is entered. */
export class VaultLockedError extends Error {
  override readonly name = 'VaultLockedError';
  constructor(what: string) {
    super(`unlock with your PIN to read ${what}`);
  }
}

/** The first call every worker gets: its own copy of the unlocked key. */
export interface InitCall {
  op: 'init';
  secretKey: Uint8Array;
  publicKey: string;
}

/** A worker's answer to a call it could not do (the message names why, never a secret). */
interface WorkerFailure {
  ok: false;
  message: string;
}
const isFailure = (reply: { ok: boolean }): reply is WorkerFailure => !reply.ok;

interface Slot<Reply> {
  worker: Worker;
  pending: Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>;
}

const MAX_WORKERS = 4;
let nextId = 1;

export class KeyWorkers<Call extends { op: string }, Reply extends { ok: true }> {
  private readonly slots: Slot<Reply>[] = [];
  private closed = false;

  constructor(
    /** Starts one worker; written at the caller as `new Worker(new URL('./x.worker.ts', import.meta.url))` for Vite. */
    start: () => Worker,
    secretKey: Uint8Array,
    readonly pubkey: string,
    /** The error every call gets once the session has ended (the vault is locked). */
    private readonly locked: () => Error,
  ) {
    const size = Math.min(MAX_WORKERS, Math.max(1, navigator.hardwareConcurrency || 2));
    for (let i = 0; i < size; i++) {
      const slot: Slot<Reply> = { worker: start(), pending: new Map() };
      slot.worker.onmessage = (event: MessageEvent<{ id: number } & (Reply | WorkerFailure)>) => {
        const reply = event.data;
        const waiter = slot.pending.get(reply.id);
        slot.pending.delete(reply.id);
        if (!waiter) return;
        if (isFailure(reply)) waiter.reject(new Error(reply.message));
        else waiter.resolve(reply);
      };
      slot.worker.onerror = (event) => {
        event.preventDefault();
        for (const waiter of slot.pending.values()) waiter.reject(new Error(event.message || 'worker error'));
        slot.pending.clear();
      };
      this.slots.push(slot);
      // A copy: the vault zeroes its own array on lock.
      // Nobody awaits the init: a lock that terminates the workers before one answers rejects
      // it, and that must not surface as an unhandled rejection. Later calls queue behind it in
      // the worker, so a failed init shows up as their failure.
      const init: InitCall = { op: 'init', secretKey: secretKey.slice(), publicKey: pubkey };
      this.send(slot, init).catch(() => undefined);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  private send<T extends Reply>(slot: Slot<Reply>, request: Call | InitCall): Promise<T> {
    if (this.closed) return Promise.reject(this.locked());
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (r: Reply) => void, reject });
      slot.worker.postMessage({ ...request, id });
    });
  }

  /** The same call to every worker (settings each of them needs), their replies in worker order. */
  all<T extends Reply>(request: Call): Promise<T[]> {
    return Promise.all(this.slots.map((slot) => this.send<T>(slot, request)));
  }

  /**
   * Each record always goes to the same worker (by its id), so each opened text is cached once.
   * `run` gets one worker's share (and that worker's number); results come back in the order given.
   */
  async byId<I extends { id: string }, R>(
    items: I[],
    run: (call: <T extends Reply>(request: Call) => Promise<T>, part: I[], worker: number) => Promise<R[]>,
  ): Promise<R[]> {
    const groups = this.slots.map(() => [] as number[]);
    items.forEach((item, index) => {
      groups[Number.parseInt(item.id.slice(0, 8), 16) % this.slots.length]?.push(index);
    });
    const out = new Array<R>(items.length);
    await Promise.all(
      groups.map(async (indexes, s) => {
        const slot = this.slots[s];
        if (!slot || indexes.length === 0) return;
        const results = await run(
          (request) => this.send(slot, request),
          indexes.map((i) => items[i] as I),
          s,
        );
        results.forEach((result, j) => {
          out[indexes[j] as number] = result;
        });
      }),
    );
    return out;
  }

  /** Splits `items` into one contiguous part per worker; results come back in the order given. */
  async spread<I, R>(
    items: I[],
    run: (call: <T extends Reply>(request: Call) => Promise<T>, part: I[]) => Promise<R[]>,
  ): Promise<R[]> {
    const per = Math.ceil(items.length / this.slots.length);
    const parts = await Promise.all(
      this.slots.map((slot, s) => {
        const part = items.slice(s * per, (s + 1) * per);
        return part.length ? run((request) => this.send(slot, request), part) : Promise.resolve([]);
      }),
    );
    return parts.flat();
  }

  /**
   * Wraps each item's key for a new reader (a grant), spread over the workers: `request` is one
   * worker's `rewrap` call for its part. The workers answer the wraps and how many items did not
   * open with this key (skipped, and counted).
   */
  async rewrap<I, W>(items: I[], request: (part: I[]) => Call): Promise<{ wraps: W[]; failed: number }> {
    let failed = 0;
    const wraps = await this.spread(items, async (call, part) => {
      const reply = await call<Reply & { wraps: W[]; failed: number }>(request(part));
      failed += reply.failed;
      return reply.wraps;
    });
    return { wraps, failed };
  }

  terminate(): void {
    this.closed = true;
    for (const slot of this.slots) {
      slot.worker.terminate();
      for (const waiter of slot.pending.values()) waiter.reject(this.locked());
      slot.pending.clear();
    }
  }
}

/**
 * The one pool of `create` for the unlocked key, made on first use and ended when the vault
 * locks or another key is unlocked; `locked()` is thrown while the vault is locked.
 */
export function perUnlockedKey<P extends { readonly pubkey: string; terminate(): void }>(
  create: (secretKey: Uint8Array, pubkey: string) => P,
  locked: () => Error,
): () => P {
  let pool: P | null = null;
  // The pool lives exactly as long as the unlocked session of one key.
  onVaultChange(() => {
    if (!pool) return;
    const key = unlockedSecretKey();
    if (!key || getPublicKey(key) !== pool.pubkey) {
      pool.terminate();
      pool = null;
    }
  });
  return () => {
    const key = unlockedSecretKey();
    if (!key) throw locked();
    const pubkey = getPublicKey(key);
    if (pool && pool.pubkey === pubkey) return pool;
    pool?.terminate();
    pool = create(key, pubkey);
    return pool;
  };
}
