import type { Queryable } from '../db/database.js';
import { writeStatement } from '../db/row-statement.js';

/**
 * A sealed record's insert (a report, a report reply, a transcript): its row, written only if
 * its id is free (`sql` is an `insert … on conflict (id) do nothing returning id`, bound by
 * `bind`), then its readers' wraps (`insertWraps`). The store function answers false, with
 * nothing written, when the id is taken: the service then tells a client's retry of the same
 * request from a clash.
 */
export function sealedInsert<R>(
  sql: string,
  bind: (record: R) => readonly unknown[],
  insertWraps: (db: Queryable, record: R) => Promise<void>,
): (db: Queryable, record: R) => Promise<boolean> {
  const insertRow = writeStatement(sql, bind);
  return async (db, record) => {
    if (!(await insertRow(db, record))) return false;
    await insertWraps(db, record);
    return true;
  };
}
