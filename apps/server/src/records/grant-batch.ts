import type { GrantResult } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import { invalidBody, wrapProblem } from './envelope.js';

/*
 * What every "grant a new reader" flow shares (notes, reports, transcripts; docs/PROTOCOL.md §9,
 * "Granting a new reader"): the work list is paged by the last item's key, and a batch of wraps
 * made in the browser is checked, stored (only where the caller holds a wrap, never replacing
 * one) and audited with its counts in one transaction. Each module keeps its own SQL and who may
 * be a reader (a GrantKind), and gets its work and grant steps from grantSteps.
 */

/** One kind of record a new reader is granted. */
export interface GrantKind<Item, Wrap extends { wrap: string }> {
  /** The audit action of a stored batch. */
  action: string;
  /** Refuses a reader who may not read these records. */
  requireReader: (db: Queryable, reader: string) => Promise<void>;
  /** Up to `limit` records the caller holds a wrap of and `reader` does not, after the cursor `after` ('' at first). */
  work: (db: Queryable, caller: string, reader: string, after: string, limit: number) => Promise<Item[]>;
  /** The cursor after an item. */
  cursor: (item: Item) => string;
  /** Stores the wraps the caller could have made (see storeGrantBatch). */
  insert: (
    tx: Queryable,
    grant: { caller: string; reader: string; wraps: Wrap[] },
  ) => Promise<{ eligible: number; inserted: number }>;
}

/** A kind's two steps: a page of work for the caller's browser, and a batch of wraps stored. */
export function grantSteps<Item, Wrap extends { wrap: string }>(kind: GrantKind<Item, Wrap>) {
  return {
    async work(
      ctx: ServerContext,
      caller: Member,
      q: { reader: string; after?: string | undefined; limit: number },
    ): Promise<{ items: Item[]; next: string | null }> {
      await kind.requireReader(ctx.db, q.reader);
      const items = await kind.work(ctx.db, caller.pubkey, q.reader, q.after ?? '', q.limit);
      return { items, next: nextAfter(items, q.limit, kind.cursor) };
    },
    grant(ctx: ServerContext, caller: Member, body: { reader: string; wraps: Wrap[] }): Promise<GrantResult> {
      return storeGrantBatch(ctx, caller, {
        reader: body.reader,
        wraps: body.wraps,
        action: kind.action,
        requireReader: (db) => kind.requireReader(db, body.reader),
        insert: (tx) => kind.insert(tx, { caller: caller.pubkey, reader: body.reader, wraps: body.wraps }),
      });
    },
  };
}

/** The `next` cursor of a work page: the last item's key when the page is full, else null. */
export function nextAfter<T>(items: readonly T[], limit: number, keyOf: (item: T) => string): string | null {
  const last = items[items.length - 1];
  return items.length === limit && last !== undefined ? keyOf(last) : null;
}

/**
 * Stores a batch of wraps for `reader`. `requireReader` refuses a reader who may not read these
 * records; `insert` stores the wraps the caller could have made and returns how many were
 * eligible and how many were new. A repeated batch changes nothing.
 */
export async function storeGrantBatch(
  ctx: ServerContext,
  caller: Member,
  batch: {
    reader: string;
    wraps: readonly { wrap: string }[];
    action: string;
    requireReader: (db: Queryable) => Promise<void>;
    insert: (tx: Queryable) => Promise<{ eligible: number; inserted: number }>;
  },
): Promise<GrantResult> {
  const issues = batch.wraps.flatMap((w, i) => {
    const problem = wrapProblem(w.wrap);
    return problem ? [{ path: `wraps.${i}.wrap`, message: problem }] : [];
  });
  if (issues.length) throw invalidBody(issues);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    await batch.requireReader(tx);
    const { eligible, inserted } = await batch.insert(tx);
    const result = { inserted, alreadyPresent: eligible - inserted, skipped: batch.wraps.length - eligible };
    await auditActionInTx(tx, caller, now, {
      action: batch.action,
      target: `reader:${batch.reader}`,
      details: { reader: batch.reader, ...result },
    });
    return result;
  });
}
