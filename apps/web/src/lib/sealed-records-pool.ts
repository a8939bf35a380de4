import { KeyWorkers, perUnlockedKey, VaultLockedError } from './key-workers.js';
import type { RecordsCall, RecordsReply } from './sealed-records-protocol.js';

/**
 * The UI side of a kind of sealed records (notes, reports, conversation messages) opened in the
 * key workers (lib/key-workers.ts): a record always goes to the same worker (by its id), so each
 * one is opened and kept once, and searched where it is kept; a grant's re-wraps are spread over
 * every worker. The pool ends with the unlocked session, which erases the opened texts with it.
 */
export class SealedRecordsPool<
  Sealed extends { id: string },
  Opened,
  GrantItem,
  Wrap,
  Own extends { op: string } = never,
> {
  protected readonly workers: KeyWorkers<RecordsCall<Sealed, GrantItem, Own>, RecordsReply<Opened, Wrap>>;

  constructor(
    /** What the records are, in the locked error ('notes', 'messages') and the timing marks. */
    private readonly what: string,
    /** Starts one worker; written at the caller as `new Worker(new URL('./x.worker.ts', import.meta.url))` for Vite. */
    start: () => Worker,
    secretKey: Uint8Array,
    readonly pubkey: string,
  ) {
    this.workers = new KeyWorkers(start, secretKey, pubkey, () => new VaultLockedError(what));
  }

  get size(): number {
    return this.workers.size;
  }

  terminate(): void {
    this.workers.terminate();
  }

  /** Opens records in parallel; results come back in the order given. */
  open(items: Sealed[]): Promise<Opened[]> {
    return this.workers.byId(items, async (call, part, worker) => {
      const sent = performance.now();
      const reply = await call<{ ok: true; results: Opened[] }>({ op: 'open', items: part });
      performance.mark(`${this.what}:slot-opened`, {
        detail: { slot: worker, n: part.length, ms: performance.now() - sent },
      });
      return reply.results;
    });
  }

  /** Keys of the opened records matching every word of `query`, among `keys` if given. */
  async search(query: string, keys: string[] | null): Promise<Set<string>> {
    const replies = await this.workers.all<{ ok: true; keys: string[] }>({ op: 'search', query, keys });
    return new Set(replies.flatMap((r) => r.keys));
  }

  /** Wraps each record's key for `reader`, spread over the workers. */
  rewrap(reader: string, items: GrantItem[]): Promise<{ wraps: Wrap[]; failed: number }> {
    return this.workers.rewrap(items, (part) => ({ op: 'rewrap', reader, items: part }));
  }
}

/**
 * The one pool of a kind for the unlocked key (perUnlockedKey), for a kind with no calls of its
 * own; VaultLockedError while the vault is locked.
 */
export function sealedRecordsPool<Sealed extends { id: string }, Opened, GrantItem, Wrap>(
  what: string,
  start: () => Worker,
): () => SealedRecordsPool<Sealed, Opened, GrantItem, Wrap> {
  return perUnlockedKey(
    (secretKey, pubkey) => new SealedRecordsPool(what, start, secretKey, pubkey),
    () => new VaultLockedError(what),
  );
}
