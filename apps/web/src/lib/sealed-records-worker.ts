/// <reference lib="webworker" />

import { fromHex, toHex } from '@llamenos/crypto';
import type { Reader } from './sealed-records.js';
import type { RecordsReply, RecordsRequest } from './sealed-records-protocol.js';
import { matchingKeys } from './search-text.js';

/** The unlocked key in a worker, its public key read once per session (as bytes and as hex). */
export interface WorkerReader extends Reader {
  publicHex: string;
}

/** What one kind of sealed records does in its worker (lib/sealed-records-protocol.ts). */
export interface SealedRecordsKind<Sealed, Opened, GrantItem, Wrap> {
  /** The worker's name in its errors: "the notes worker has no key". */
  name: string;
  /** A new key: everything opened with the last one is dropped. */
  forget(): void;
  open(reader: WorkerReader, item: Sealed): Opened;
  /** Absent for a kind nobody searches in the worker. */
  search?(query: string, keys: string[] | null): string[];
  rewrap(reader: WorkerReader, recipient: string, items: GrantItem[]): { wraps: Wrap[]; failed: number };
}

/**
 * The worker side of SealedRecordsPool: holds the key from the init call and answers open,
 * search and rewrap with the kind's functions. `reader()` is the key for a kind's own calls.
 */
export function sealedRecordsWorker<Sealed, Opened, GrantItem, Wrap>(
  kind: SealedRecordsKind<Sealed, Opened, GrantItem, Wrap>,
) {
  let current: WorkerReader | null = null;
  const reader = (): WorkerReader => {
    if (!current) throw new Error(`the ${kind.name} worker has no key`);
    return current;
  };
  const handle = (request: RecordsRequest<Sealed, GrantItem>): RecordsReply<Opened, Wrap> => {
    switch (request.op) {
      case 'init': {
        // The UI thread already knows the public key; deriving it here would build the
        // base-point tables before the first record opens. It is bound into every wrap's
        // associated data, so a wrong one could only make records fail to open, never mis-open.
        const publicKey = fromHex(request.publicKey, 32, 'public key');
        current = { secretKey: request.secretKey, publicKey, publicHex: toHex(publicKey) };
        kind.forget();
        return { ok: true, done: true };
      }
      case 'open': {
        const me = reader();
        return { ok: true, results: request.items.map((item) => kind.open(me, item)) };
      }
      case 'search':
        if (!kind.search) throw new Error(`the ${kind.name} worker does not search`);
        return { ok: true, keys: kind.search(request.query, request.keys) };
      case 'rewrap':
        return { ok: true, ...kind.rewrap(reader(), request.reader, request.items) };
    }
  };
  return { handle, reader };
}

/**
 * What a worker opened, by key: an entry is reused only for the exact ciphertext and wrap it was
 * opened from (an edited record or a new wrap is opened again). Dropped with the key (`clear`).
 */
export class OpenedRecords<Entry> {
  private readonly kept = new Map<string, { ciphertext: string; wrap: string | null; entry: Entry }>();

  /** The entry opened from exactly this ciphertext and wrap, else `open()`'s, kept from now on. */
  get(key: string, sealed: { ciphertext: string; wrap: string | null }, open: () => Entry): Entry {
    const kept = this.kept.get(key);
    if (kept && kept.ciphertext === sealed.ciphertext && kept.wrap === sealed.wrap) return kept.entry;
    const entry = open();
    this.kept.set(key, { ciphertext: sealed.ciphertext, wrap: sealed.wrap, entry });
    return entry;
  }

  clear(): void {
    this.kept.clear();
  }

  /** Keys of the kept entries matching every word of `query` (lib/search-text.ts), among `keys` if given. */
  matching(query: string, keys: string[] | null, haystackOf: (entry: Entry) => string | null): string[] {
    return matchingKeys(this.kept, query, keys, (kept) => haystackOf(kept.entry));
  }
}
