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
 * A kind's statement inserting a batch of wraps, in three parts of its own SQL: `input`, the
 * batch's rows, bound as one array per field named in `columns` ($3, $4, …); `eligible`, those of
 * records $2 (the caller) holds a wrap of, the only ones the caller could have wrapped for real;
 * `insert`, the insert of those wraps for $1 (the reader). The frame around them is the same for
 * every kind: an existing wrap is never replaced, and the answer is how many were `eligible` and
 * how many `inserted`.
 */
export function grantInsert<W>(
  statement: { input: string; eligible: string; insert: string },
  columns: readonly (keyof W)[],
) {
  const sql = `with input as (
       ${statement.input}
     ), eligible as (
       ${statement.eligible}
     ), inserted as (
       ${statement.insert}
       on conflict do nothing
       returning 1
     )
     select (select count(*) from eligible) as eligible, (select count(*) from inserted) as inserted`;
  return async (
    db: Queryable,
    reader: string,
    caller: string,
    wraps: readonly W[],
  ): Promise<{ eligible: number; inserted: number }> => {
    const [counts] = await db.query<{ eligible: number | string; inserted: number | string }>(sql, [
      reader,
      caller,
      ...columns.map((field) => wraps.map((w) => w[field])),
    ]);
    return { eligible: Number(counts?.eligible ?? 0), inserted: Number(counts?.inserted ?? 0) };
  };
}
