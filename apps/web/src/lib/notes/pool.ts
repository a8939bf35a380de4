import { getPublicKey } from '@llamenos/crypto';
import type { CustomFieldDefinition, GrantWorkItem } from '@llamenos/protocol';
import { onVaultChange, unlockedSecretKey } from '../vault.js';
import type {
  GrantedWrap,
  NotesCall,
  NotesReply,
  NotesResponse,
  OpenResult,
  SealedVersion,
} from './protocol.js';

/** The vault is locked: nothing encrypted can be opened until the PIN is entered. */
export class NotesLockedError extends Error {
  override readonly name = 'NotesLockedError';
  constructor() {
    super('unlock with your PIN to read notes');
  }
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: NotesReply) => void; reject: (e: Error) => void }>;
}

const MAX_WORKERS = 4;
let nextId = 1;

/**
 * A small pool of notes workers (one per core, at most four). Opening a note is one ECDH
 * (a few milliseconds), so 5,000 notes are spread across cores. A note always goes to the
 * same worker (by its id), so each decrypted note is cached once. Every worker holds a copy
 * of the unlocked key; the pool is terminated, and the caches with it, when the vault locks
 * or another key is unlocked.
 */
class NotesPool {
  private readonly slots: Slot[] = [];
  private fieldsSignature: string | null = null;
  private closed = false;

  constructor(
    secretKey: Uint8Array,
    readonly pubkey: string,
  ) {
    const size = Math.min(MAX_WORKERS, Math.max(1, navigator.hardwareConcurrency || 2));
    for (let i = 0; i < size; i++) {
      const slot: Slot = {
        worker: new Worker(new URL('./notes.worker.ts', import.meta.url), { type: 'module' }),
        pending: new Map(),
      };
      slot.worker.onmessage = (event: MessageEvent<NotesResponse>) => {
        const { id, ...reply } = event.data;
        const waiter = slot.pending.get(id);
        slot.pending.delete(id);
        if (!waiter) return;
        if (reply.ok) waiter.resolve(reply);
        else waiter.reject(new Error(reply.message));
      };
      slot.worker.onerror = (event) => {
        event.preventDefault();
        for (const waiter of slot.pending.values()) waiter.reject(new Error(event.message || 'worker error'));
        slot.pending.clear();
      };
      this.slots.push(slot);
      // A copy: the vault zeroes its own array on lock.
      // Nobody awaits the init: a lock that terminates the pool before the worker answers
      // rejects it, and that must not surface as an unhandled rejection. Later calls queue
      // behind it in the worker, so a failed init shows up as their failure.
      this.call(slot, { op: 'init', secretKey: secretKey.slice(), publicKey: pubkey }).catch(() => undefined);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  private call<T extends NotesReply>(slot: Slot, request: NotesCall): Promise<T> {
    if (this.closed) return Promise.reject(new NotesLockedError());
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (r: NotesReply) => void, reject });
      slot.worker.postMessage({ ...request, id });
    });
  }

  terminate(): void {
    this.closed = true;
    for (const slot of this.slots) {
      slot.worker.terminate();
      for (const waiter of slot.pending.values()) waiter.reject(new NotesLockedError());
      slot.pending.clear();
    }
  }

  /** Gets every worker's crypto code compiled before the first note (see the worker's `warm`). */
  async warm(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.call(slot, { op: 'warm' })));
  }

  /** Decrypted notes are checked against these fields (sent again only when they change). */
  async setFields(fields: CustomFieldDefinition[]): Promise<void> {
    const signature = JSON.stringify(fields);
    if (signature === this.fieldsSignature) return;
    this.fieldsSignature = signature;
    await Promise.all(this.slots.map((slot) => this.call(slot, { op: 'fields', fields })));
  }

  private slotOf(id: string): number {
    return Number.parseInt(id.slice(0, 8), 16) % this.slots.length;
  }

  /** Opens note versions in parallel; results come back in the order given. */
  async open(notes: SealedVersion[]): Promise<OpenResult[]> {
    const groups = this.slots.map(() => [] as number[]);
    notes.forEach((note, index) => {
      groups[this.slotOf(note.id)]?.push(index);
    });
    const out = new Array<OpenResult>(notes.length);
    await Promise.all(
      groups.map(async (indexes, s) => {
        const slot = this.slots[s];
        if (!slot || indexes.length === 0) return;
        const sent = performance.now();
        const reply = await this.call<{ ok: true; results: OpenResult[] }>(slot, {
          op: 'open',
          notes: indexes.map((i) => notes[i] as SealedVersion),
        });
        performance.mark('notes:slot-opened', {
          detail: { slot: s, n: indexes.length, ms: performance.now() - sent },
        });
        reply.results.forEach((result, j) => {
          out[indexes[j] as number] = result;
        });
      }),
    );
    return out;
  }

  /** Keys (`id:version`) of the decrypted notes matching every word of `query`, among `keys` if given. */
  async search(query: string, keys: string[] | null): Promise<Set<string>> {
    const replies = await Promise.all(
      this.slots.map((slot) => this.call<{ ok: true; keys: string[] }>(slot, { op: 'search', query, keys })),
    );
    return new Set(replies.flatMap((r) => r.keys));
  }

  /** Wraps each version's key for `reader`, spread over the workers. */
  async rewrap(reader: string, items: GrantWorkItem[]): Promise<{ wraps: GrantedWrap[]; failed: number }> {
    const per = Math.ceil(items.length / this.slots.length);
    const replies = await Promise.all(
      this.slots.map((slot, s) => {
        const part = items.slice(s * per, (s + 1) * per);
        return part.length
          ? this.call<{ ok: true; wraps: GrantedWrap[]; failed: number }>(slot, {
              op: 'rewrap',
              reader,
              items: part,
            })
          : Promise.resolve({ ok: true as const, wraps: [], failed: 0 });
      }),
    );
    return { wraps: replies.flatMap((r) => r.wraps), failed: replies.reduce((n, r) => n + r.failed, 0) };
  }
}

export type { NotesPool };

let pool: NotesPool | null = null;

// The pool lives exactly as long as the unlocked session of one key.
onVaultChange(() => {
  if (!pool) return;
  const key = unlockedSecretKey();
  if (!key || getPublicKey(key) !== pool.pubkey) {
    pool.terminate();
    pool = null;
  }
});

/** The notes workers for the unlocked key; NotesLockedError while the vault is locked. */
export function notesPool(): NotesPool {
  const key = unlockedSecretKey();
  if (!key) throw new NotesLockedError();
  const pubkey = getPublicKey(key);
  if (pool && pool.pubkey === pubkey) return pool;
  pool?.terminate();
  pool = new NotesPool(key, pubkey);
  return pool;
}
