import type { InitCall } from './key-workers.js';

/**
 * What the UI thread asks a sealed-records worker (notes, reports, conversation messages) after
 * the key (InitCall): open a part of the records (a record always goes to the same worker, which
 * keeps what it opened), search what it opened (keys: which of those to look through, all when
 * null), and wrap the records' keys for a new reader (a grant). `Own` is a kind's own calls.
 */
export type RecordsCall<Sealed, GrantItem, Own extends { op: string } = never> =
  | { op: 'open'; items: Sealed[] }
  | { op: 'search'; query: string; keys: string[] | null }
  | { op: 'rewrap'; reader: string; items: GrantItem[] }
  | Own;

/** A sealed-records worker's answers: done, the opened records, the matching keys, the new wraps. */
export type RecordsReply<Opened, Wrap> =
  | { ok: true; done: true }
  | { ok: true; results: Opened[] }
  | { ok: true; keys: string[] }
  | { ok: true; wraps: Wrap[]; failed: number };

/** A call as the worker receives it: numbered (lib/key-workers.ts), the key's InitCall first. */
export type RecordsRequest<Sealed, GrantItem, Own extends { op: string } = never> = (
  | RecordsCall<Sealed, GrantItem, Own>
  | InitCall
) & { id: number };
