import type { Queryable } from '../db/database.js';

/*
 * The two statements every "grant a new reader" flow runs (grant-batch.ts), as each kind of record
 * states them: the SQL is the kind's own (its wrap table and keys), how it is bound and what it
 * answers are the same for all.
 */

/**
 * A kind's work query: its SQL lists the records $1 (the caller) holds a wrap of and $2 (the
 * reader) has none for, after the cursor $3, at most $4 of them; `item` makes a row the
 * browser's work item.
 */
export function grantWorkQuery<R, Item>(sql: string, item: (row: R) => Item) {
  return async (
    db: Queryable,
    caller: string,
    reader: string,
    after: string,
    limit: number,
  ): Promise<Item[]> => {
    const rows = await db.query<R>(sql, [caller, reader, after, limit]);
    return rows.map(item);
  };
}

/**
 * A kind's insert of a batch of wraps: its SQL stores for $1 (the reader) the wraps of records $2
 * (the caller) holds a wrap of, read from the arrays `columns` makes of the batch ($3, $4, …),
 * never replacing one, and answers how many were `eligible` and how many `inserted`.
 */
export function grantInsert<W>(sql: string, columns: (wraps: readonly W[]) => unknown[][]) {
  return async (
    db: Queryable,
    reader: string,
    caller: string,
    wraps: readonly W[],
  ): Promise<{ eligible: number; inserted: number }> => {
    const [counts] = await db.query<{ eligible: number | string; inserted: number | string }>(sql, [
      reader,
      caller,
      ...columns(wraps),
    ]);
    return { eligible: Number(counts?.eligible ?? 0), inserted: Number(counts?.inserted ?? 0) };
  };
}
